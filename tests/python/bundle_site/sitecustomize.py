"""Test environment only (put this folder on PYTHONPATH): lets transformers load and save a
Qwen2-VL / Qwen2.5-VL processor without torchvision, whose wheel on these machines is a CUDA
build that does not load next to the CPU torch. The video processor (the only part that needs
torchvision) is left out; images go through the real PIL image processor. Training machines
have torchvision and never load this. Both patches apply to the bundle's entry (train_grpo.py)
only, so the launcher processes start as fast as they would without this folder."""
import importlib.util
import os
import sys

ENTRY = os.path.basename(sys.argv[0]) == "train_grpo.py" if sys.argv else False

if ENTRY and importlib.util.find_spec("torchvision") is None:
    from transformers import processing_utils

    class _NoVideoProcessor:
        @classmethod
        def from_pretrained(cls, *args, **kwargs):
            return None

    _lookup = processing_utils._LazyAutoProcessorMapping.__getitem__
    processing_utils._LazyAutoProcessorMapping.__getitem__ = lambda self, key: _NoVideoProcessor if key == "video_processor" else _lookup(self, key)

    _check = processing_utils.ProcessorMixin.check_argument_for_proper_class

    def _check_argument(self, name, argument):
        return None if name == "video_processor" and argument is None else _check(self, name, argument)

    processing_utils.ProcessorMixin.check_argument_for_proper_class = _check_argument

    _save = processing_utils.ProcessorMixin.save_pretrained

    def _save_present_parts(self, *args, **kwargs):
        present = [name for name in type(self).get_attributes() if getattr(self, name, None) is not None]
        self.get_attributes = lambda: present
        try:
            return _save(self, *args, **kwargs)
        finally:
            del self.get_attributes

    processing_utils.ProcessorMixin.save_pretrained = _save_present_parts

# FACIAL_R1_RECORD_REWARDS=FILE: every batch GRPOTrainer scores is appended to FILE as one JSON
# line: the reward functions' names, the completions and ground-truth columns they were given,
# and the rewards TRL received (rewards_per_func, float32, NaN for None).
if ENTRY and os.environ.get("FACIAL_R1_RECORD_REWARDS"):
    import json
    import math

    from trl import GRPOTrainer

    _calculate = GRPOTrainer._calculate_rewards

    def _recorded(self, inputs, prompts, completions, completion_ids_list):
        rewards = _calculate(self, inputs, prompts, completions, completion_ids_list)
        row = {
            "names": list(self.reward_func_names),
            "completions": completions,
            "AUs": [x.get("AUs") for x in inputs],
            "labels": [x.get("labels") for x in inputs],
            "rewards": [[None if math.isnan(v) else v for v in r] for r in rewards.tolist()],
        }
        with open(os.environ["FACIAL_R1_RECORD_REWARDS"], "a", encoding="utf-8") as f:
            f.write(json.dumps(row, default=lambda o: "<%s>" % type(o).__name__) + "\n")
        return rewards

    GRPOTrainer._calculate_rewards = _recorded
