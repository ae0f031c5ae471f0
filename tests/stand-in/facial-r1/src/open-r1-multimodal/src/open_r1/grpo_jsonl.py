"""Stand-in for open_r1/grpo_jsonl.py of the Facial-R1 fork (RobitsG/Facial-R1@0b1be9bd6207),
written from reading that file. It reproduces the contracts a bundle depends on:

- imports: `open_r1.utils.math` (not the bare `utils.math` of upstream), trl 0.17's parser;
- the module global `config`, loaded in __main__ from the relative path
  open_r1/configs/config.json (so the working directory must be src/open-r1-multimodal/src);
- data preparation in main(), per data file: its basename must be a key of `config` (else
  KeyError); records with is_valid == False are skipped; a record's raw weight is the sum of
  the inverse-frequency weights of its AUs (an AU missing from the file's "AUs" map is a
  KeyError), min-max normalised within the file; solution = labels[0]; meta_info and
  description are dropped; all records are shuffled and go through datasets' from_list and
  .map(num_proc=8), whose mapping multiplies the weight by 10 for records with AUs and runs
  `[1.0 for _ in range(weight)]` for records without (a float: TypeError, so one record with
  `"AUs": []` stops the run), and asserts every image exists;
- the registry adds `au`; the reward functions take the `weights` column and return
  unweighted rewards (the weight goes to the loss);
- resume only when --resume_from_checkpoint compares equal to True, which a string never does.
"""
import json
import os
import pathlib
import random
import re

from open_r1.utils.math import compute_score  # noqa: F401
from datasets import Dataset
from open_r1.trainer import VLMGRPOTrainer, GRPOConfig
from trl import TrlParser
from open_r1.prompts.emotion_prompt import GRPO_PROMPT, SFT_PROMPT  # noqa: F401
from open_r1.vlm_modules import *  # noqa: F401,F403
from open_r1.qwen2_5vl_monkey_patch import monkey_patch_qwen2_5vl_flash_attn, monkey_patch_qwen2_5vl_forward, monkey_patch_torch_load
from stand_in.open_r1_common import GRPOModelConfig, GRPOScriptArguments, cosine_rewards, image_paths, make_trainer, repetition_rewards, split_lists

random.seed(42)
monkey_patch_qwen2_5vl_flash_attn()
monkey_patch_torch_load()


def _answers(text):
    return re.findall(r"<answer>(.*?)</answer>", text, re.DOTALL)


def accuracy_reward(completions, solution, weights, **kwargs):
    out = []
    for completion, sol in zip(completions, solution):
        content = completion[0]["content"]
        truth = re.search(r"<answer>(.*?)</answer>", sol)
        truth = truth.group(1).strip() if truth else sol.strip()
        if not truth:
            out.append(0.5)
            continue
        answers = _answers(content)
        out.append(1.0 if (answers[-1].strip() if answers else content.strip()) == truth else 0.0)
    return out


def format_reward(completions, weights, **kwargs):
    pattern = r"<think>.*?</think>\s*<answer>.*?</answer>"
    return [1.0 if re.fullmatch(pattern, c[0]["content"], re.DOTALL) else 0.0 for c in completions]


def au_reward(completions, AUs, weights, beta=1.0, **kwargs):
    out = []
    for completion, truth in zip(completions, AUs):
        think = re.search(r"<think>(.*?)</think>", completion[0]["content"], re.DOTALL | re.IGNORECASE)
        predicted = set(re.findall(r"AU\d+", think.group(1).upper())) if think else set()
        gold = {a.upper() for a in truth}
        if not gold:
            out.append(0.0)
        elif not predicted:
            out.append(-1.0)
        else:
            hit = len(predicted & gold)
            p, r = hit / len(predicted), hit / len(gold)
            f = (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0
            out.append(2 * f - 1)
    return out


def compute_au_weights(au_freq, epsilon=1e-6):
    total = sum(au_freq.values())
    weights = {au: 1 / (count / total + epsilon) for au, count in au_freq.items()}
    s = sum(weights.values())
    return {au: w / s for au, w in weights.items()}


reward_funcs_registry = {
    "accuracy": accuracy_reward,
    "format": format_reward,
    "au": au_reward,
    "length": cosine_rewards,
    "repetition": repetition_rewards,
}


def get_vlm_module(model_name_or_path):
    if "qwen" in model_name_or_path.lower():
        return Qwen2VLModule  # noqa: F405
    if "internvl" in model_name_or_path.lower():
        return InvernVLModule  # noqa: F405
    raise ValueError(f"Unsupported model: {model_name_or_path}")


def main(script_args, training_args, model_args):
    vlm_module_cls = get_vlm_module(model_args.model_name_or_path)
    reward_funcs = [reward_funcs_registry[name] for name in script_args.reward_funcs]

    data_files, image_folders, methods = split_lists(script_args)

    all_data = []
    for data_file, image_folder, method in zip(data_files, image_folders, methods):
        entry = config[os.path.basename(data_file)]
        emotion_freqs = entry["emotions"]
        au_weights = compute_au_weights(entry["AUs"])
        items, raw = [], []
        with open(data_file, "r") as f:
            for line in f:
                item = json.loads(line)
                if item.get("is_valid", True) == False:  # noqa: E712  (as the fork compares)
                    continue
                item["emotion_freqs"] = emotion_freqs
                weight = sum(au_weights[au] for au in item["AUs"])
                raw.append(weight)
                items.append((item, weight))
        if not raw:
            continue
        low, high = min(raw), max(raw)
        span = high - low if high > low else 1.0
        for item, weight in items:
            item["weights"] = (weight - low) / span
            image_paths(item, image_folder)
            label = item["labels"][0] if item["labels"] else ""
            item["solution"] = label.replace("<answer>", "").replace("</answer>", "").strip() if isinstance(label, str) else str(label)
            item.pop("meta_info", None)
            item.pop("description", None)
            item["accu_reward_method"] = item.get("accu_reward_method", method)
            all_data.append(item)

    random.shuffle(all_data)
    dataset = Dataset.from_list(all_data)

    def make_conversation_from_jsonl(example):
        question = example["question"].replace("<image>", "").strip() if example["question"] else "What is the emotion of this face?"
        if "image_path" in example and example["image_path"] is not None:
            assert all(os.path.exists(p) for p in example["image_path"]), f"Image paths do not exist: {example['image_path']}"
            emotions = example["emotion_freqs"].keys() if example["emotion_freqs"].keys() else ["anger", "happiness", "sadness", "neutral", "disgust", "surprise", "fear"]
            if example["AUs"]:
                example["weights"] = example["weights"] * 10
            else:
                example["weights"] = [1.0 for _ in range(example["weights"])]
            content = [*({"type": "image", "text": None} for _ in example["image_path"]), {"type": "text", "text": GRPO_PROMPT.format(Question=question, Emotions=emotions)}]
            return {
                "image_path": list(example["image_path"]),
                "problem": question,
                "solution": f"<answer>{example['solution']}</answer>",
                "accu_reward_method": example["accu_reward_method"],
                "AUs": example["AUs"],
                "weights": example["weights"],
                "labels": example["labels"],
                "prompt": [{"role": "user", "content": content}],
            }
        raise ValueError("No image path found")

    dataset = dataset.map(make_conversation_from_jsonl, num_proc=8)
    trainer = make_trainer(VLMGRPOTrainer, vlm_module_cls, reward_funcs, script_args, training_args, model_args, dataset)
    if list(pathlib.Path(training_args.output_dir).glob("checkpoint-*")) and training_args.resume_from_checkpoint == True:  # noqa: E712
        trainer.train(resume_from_checkpoint=True)
    else:
        trainer.train()
    trainer.save_model(training_args.output_dir)
    if training_args.push_to_hub:
        trainer.push_to_hub()


if __name__ == "__main__":
    parser = TrlParser((GRPOScriptArguments, GRPOConfig, GRPOModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    with open("open_r1/configs/config.json", "r", encoding="utf-8") as f:
        config = json.load(f)
    if training_args.deepspeed and "zero3" in training_args.deepspeed:
        print("zero3 is used, qwen2_5vl forward monkey patch is applied")
        monkey_patch_qwen2_5vl_forward()
    main(script_args, training_args, model_args)
