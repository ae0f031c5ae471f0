from stand_in.open_r1_common import InvernVLModule

from .qwen_module import Qwen2VLModule

GLMVModule = InvernVLModule

__all__ = ["Qwen2VLModule", "InvernVLModule", "GLMVModule"]
