"""open_r1/vlm_modules/qwen_module.py (see stand_in/open_r1_common.py)."""
from stand_in.open_r1_common import Qwen2VLModule

__all__ = ["Qwen2VLModule"]
