"""Stand-in for open_r1/grpo_jsonl.py of upstream VLM-R1 (om-ai-lab/VLM-R1@90052f478646), written
from reading that file. It reproduces the contracts a bundle depends on:

- the import layout: `from utils.math import compute_score` is a bare top-level import, found
  only when the open_r1 folder itself is on sys.path (torchrun puts it there when it runs this
  file; a launcher that imports the module must add it), next to `open_r1.*` imports;
- the argument classes (GRPOScriptArguments, the trainer's GRPOConfig, GRPOModelConfig) parsed
  by trl 0.17's TrlParser, which refuses unknown flags and requires --dataset_name;
- reward_funcs_registry and the __main__ sequence: parse, the ZeRO-3 forward patch when the
  --deepspeed path contains "zero3", main();
- data preparation in main(): every line of every data file is json.loads'ed (a blank line
  fails), image paths are joined to the file's image folder, `problem` and `solution` come from
  `conversations`, the records go through datasets' Dataset.from_list (columns = the first
  record's keys) and .map(num_proc=8), which asserts every image exists;
- resume: any checkpoint-* in output_dir resumes, whatever the flags say.
Reward functions other than the registry's entries are reduced to their contract.
"""
import os
import pathlib
import re

from utils.math import compute_score  # noqa: F401  (bare `utils`, as upstream)
from datasets import Dataset
from open_r1.trainer import VLMGRPOTrainer, GRPOConfig
from trl import TrlParser
from open_r1.vlm_modules import *  # noqa: F401,F403
from open_r1.qwen2_5vl_monkey_patch import monkey_patch_qwen2_5vl_flash_attn, monkey_patch_qwen2_5vl_forward, monkey_patch_torch_load
from stand_in.open_r1_common import GRPOModelConfig, GRPOScriptArguments, cosine_rewards, image_paths, make_trainer, repetition_rewards, split_lists

monkey_patch_qwen2_5vl_flash_attn()
monkey_patch_torch_load()


def accuracy_reward(completions, solution, **kwargs):
    contents = [completion[0]["content"] for completion in completions]
    out = []
    for content, sol, _method in zip(contents, solution, kwargs.get("accu_reward_method")):
        answers = re.findall(r"<answer>(.*?)</answer>", content, re.DOTALL)
        truth = re.search(r"<answer>(.*?)</answer>", sol)
        out.append(1.0 if answers and truth and answers[-1].strip() == truth.group(1).strip() else 0.0)
    return out


def format_reward(completions, **kwargs):
    pattern = r"<think>.*?</think>\s*<answer>.*?</answer>"
    return [1.0 if re.fullmatch(pattern, c[0]["content"], re.DOTALL) else 0.0 for c in completions]


reward_funcs_registry = {
    "accuracy": accuracy_reward,
    "format": format_reward,
    "length": cosine_rewards,
    "repetition": repetition_rewards,
}


def get_vlm_module(model_name_or_path):
    if "qwen" in model_name_or_path.lower():
        return Qwen2VLModule  # noqa: F405
    if "internvl" in model_name_or_path.lower():
        return InvernVLModule  # noqa: F405
    if "glm" in model_name_or_path.lower():
        return GLMVModule  # noqa: F405
    raise ValueError(f"Unsupported model: {model_name_or_path}")


def main(script_args, training_args, model_args):
    vlm_module_cls = get_vlm_module(model_args.model_name_or_path)
    question_prompt = vlm_module_cls.get_question_template(task_type=script_args.task_type)
    reward_funcs = [reward_funcs_registry[name] for name in script_args.reward_funcs]

    import json

    data_files, image_folders, methods = split_lists(script_args)
    all_data = []
    for data_file, image_folder, method in zip(data_files, image_folders, methods):
        with open(data_file, "r") as f:
            for line in f:
                item = json.loads(line)
                image_paths(item, image_folder)
                item["problem"] = item["conversations"][0]["value"].replace("<image>", "")
                answer = item["conversations"][1]["value"]
                item["solution"] = answer.replace("<answer>", "").replace("</answer>", "").strip() if isinstance(answer, str) else str(answer)
                del item["conversations"]
                item["accu_reward_method"] = item.get("accu_reward_method", method)
                all_data.append(item)

    dataset = Dataset.from_list(all_data)

    def make_conversation_from_jsonl(example):
        text = question_prompt.format(Question=example["problem"])
        if "image_path" in example and example["image_path"] is not None:
            assert all(os.path.exists(p) for p in example["image_path"]), f"Image paths do not exist: {example['image_path']}"
            content = [*({"type": "image", "text": None} for _ in example["image_path"]), {"type": "text", "text": text}]
            return {
                "image_path": list(example["image_path"]),
                "problem": example["problem"],
                "solution": f"<answer> {example['solution']} </answer>",
                "accu_reward_method": example["accu_reward_method"],
                "prompt": [{"role": "user", "content": content}],
            }
        return {
            "problem": example["problem"],
            "solution": f"<answer> {example['solution']} </answer>",
            "accu_reward_method": example["accu_reward_method"],
            "prompt": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        }

    dataset = dataset.map(make_conversation_from_jsonl, num_proc=8)
    trainer = make_trainer(VLMGRPOTrainer, vlm_module_cls, reward_funcs, script_args, training_args, model_args, dataset)
    if list(pathlib.Path(training_args.output_dir).glob("checkpoint-*")):
        trainer.train(resume_from_checkpoint=True)
    else:
        trainer.train()
    trainer.save_model(training_args.output_dir)
    if training_args.push_to_hub:
        trainer.push_to_hub()


if __name__ == "__main__":
    parser = TrlParser((GRPOScriptArguments, GRPOConfig, GRPOModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    if training_args.deepspeed and "zero3" in training_args.deepspeed:
        print("zero3 is used, qwen2_5vl forward monkey patch is applied")
        monkey_patch_qwen2_5vl_forward()
    main(script_args, training_args, model_args)
