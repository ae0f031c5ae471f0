"""open_r1/trainer/grpo_config.py (the same file in both trainers; see stand_in/open_r1_common.py)."""
from stand_in.open_r1_common import GRPOConfig

__all__ = ["GRPOConfig"]
