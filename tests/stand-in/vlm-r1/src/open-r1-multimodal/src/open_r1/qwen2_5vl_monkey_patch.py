"""open_r1/qwen2_5vl_monkey_patch.py (see stand_in/open_r1_common.py)."""
from stand_in.open_r1_common import monkey_patch_qwen2_5vl_flash_attn, monkey_patch_qwen2_5vl_forward, monkey_patch_torch_load

__all__ = ["monkey_patch_qwen2_5vl_flash_attn", "monkey_patch_qwen2_5vl_forward", "monkey_patch_torch_load"]
