"""open_r1/configs.py: trl's GRPOConfig and SFTConfig plus the open_r1 fields (the same file in
both trainers; see stand_in/open_r1_common.py). sft.py parses this SFTConfig."""
from stand_in.open_r1_common import ConfigsGRPOConfig as GRPOConfig
from stand_in.open_r1_common import ConfigsSFTConfig as SFTConfig

__all__ = ["GRPOConfig", "SFTConfig"]
