"""Stand-in for the fork's open_r1/trainer/grpo_trainer.py (see stand_in/grpo.py): the summed
reward is clamped to [-10, 10] and the loss is weighted by each row's `weights`."""
from stand_in.grpo import StandInGRPOTrainer


class VLMGRPOTrainer(StandInGRPOTrainer):
    weighted_loss = True
