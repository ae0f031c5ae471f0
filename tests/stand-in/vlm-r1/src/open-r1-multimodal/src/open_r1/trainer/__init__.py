from .grpo_trainer import VLMGRPOTrainer
from .grpo_config import GRPOConfig

__all__ = ["VLMGRPOTrainer"]
