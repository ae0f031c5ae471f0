"""Runs the real TRL GRPOTrainer with the emitted TRL plugin and tiny models on CPU, and reports
every call TRL made to a reward function: the completions and columns it passed and the
rewards it got back.

    python trl_grpo.py PLUGIN_DIR[,PLUGIN_DIR...] SAMPLE_DIR OUTPUT_DIR

Each PLUGIN_DIR holds a facial_r1_rewards.py (the built-in TRL plugin, or the client of a
reward server for TypeScript-defined rewards); TRL gets the REWARD_FUNCS of all of them.

Two runs: a Qwen2 text model taught a few answers (conversational prompts; 2 steps), and a
Qwen2.5-VL with the sample's images (image column; 1 step). Writes OUTPUT_DIR/calls.json:
{"calls": [...], "logs": {"text": [...], "vision": [...]}} (the trainer prints its logs on stdout).
"""
import importlib.util
import json
import os
import sys

import torch
from datasets import Dataset
from PIL import Image
from trl import GRPOConfig, GRPOTrainer

from tiny_models import build_tokenizer, teach, text_model, vision_model_and_processor

plugin_dirs, sample_dir, output_dir = sys.argv[1].split(","), sys.argv[2], sys.argv[3]


def load(index, directory):
    spec = importlib.util.spec_from_file_location("facial_r1_rewards_%d" % index, os.path.join(directory, "facial_r1_rewards.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REWARD_FUNCS = [fn for i, d in enumerate(plugin_dirs) for fn in load(i, d).REWARD_FUNCS]

torch.set_num_threads(2)
calls = []


def recorded(fn, run):
    def reward(**kwargs):
        rewards = fn(**kwargs)
        calls.append({"run": run, "name": fn.__name__, "completions": kwargs["completions"], "prompts": kwargs.get("prompts"), "AUs": kwargs.get("AUs"), "labels": kwargs.get("labels"), "rewards": rewards})
        return rewards

    reward.__name__ = fn.__name__
    return reward


with open(os.path.join(sample_dir, "train.jsonl"), encoding="utf-8") as f:
    records = [json.loads(line) for line in f][:8]


def args(name, steps):
    return GRPOConfig(output_dir=os.path.join(output_dir, name), per_device_train_batch_size=4, num_generations=4, max_completion_length=32, max_steps=steps,
                      logging_steps=1, report_to="none", use_cpu=True, save_strategy="no", bf16=False, seed=0)


tokenizer = build_tokenizer()
model = teach(text_model(tokenizer), tokenizer, [(r["question"], "<think>%s</think>\n<answer>%s</answer>" % (" ".join(r["AUs"]), r["labels"][0])) for r in records])
text_data = Dataset.from_list([{"prompt": [{"role": "user", "content": r["question"]}], "AUs": r["AUs"], "labels": r["labels"]} for r in records])
text = GRPOTrainer(model=model, processing_class=tokenizer, reward_funcs=[recorded(f, "text") for f in REWARD_FUNCS], args=args("text", 2), train_dataset=text_data)
text.train()

vision_model, processor = vision_model_and_processor(build_tokenizer())
images = [Image.open(os.path.join(sample_dir, "images", r["image"])).convert("RGB") for r in records]
vision_data = Dataset.from_list([{"prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": r["question"]}]}], "image": img, "AUs": r["AUs"], "labels": r["labels"]}
                                 for r, img in zip(records, images)])
vision = GRPOTrainer(model=vision_model, processing_class=processor, reward_funcs=[recorded(f, "vision") for f in REWARD_FUNCS], args=args("vision", 1), train_dataset=vision_data)
vision.train()

with open(os.path.join(output_dir, "calls.json"), "w", encoding="utf-8") as f:
    # Prompts of the vision run carry the images themselves: written as their type's name.
    json.dump({"calls": calls, "logs": {"text": text.state.log_history, "vision": vision.state.log_history}}, f, default=lambda o: "<%s>" % type(o).__name__)
