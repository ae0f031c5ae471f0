"""Stand-in for open_r1/trainer/grpo_trainer.py (see stand_in/grpo.py for what it reproduces)."""
from stand_in.grpo import StandInGRPOTrainer


class VLMGRPOTrainer(StandInGRPOTrainer):
    weighted_loss = False
