from stand_in.open_r1_common import InvernVLModule

from .qwen_module import Qwen2VLModule

__all__ = ["Qwen2VLModule", "InvernVLModule"]
