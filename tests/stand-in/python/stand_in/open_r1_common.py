"""What VLM-R1 (om-ai-lab/VLM-R1@90052f478646) and the Facial-R1 fork (RobitsG/Facial-R1@0b1be9bd6207)
share file for file under src/open-r1-multimodal/src/open_r1/: each checkout's modules re-export
these, so both keep their real import layout while the code is written once."""
from dataclasses import dataclass, field
from typing import Optional

import trl
from transformers import AutoProcessor, AutoTokenizer, Qwen2_5_VLForConditionalGeneration, Qwen2VLForConditionalGeneration, TrainingArguments
from trl import ModelConfig, ScriptArguments


@dataclass
class GRPOConfig(TrainingArguments):
    """open_r1/trainer/grpo_config.py: the GRPOConfig grpo_jsonl.py parses (a TrainingArguments
    subclass, not trl's). Fields, types and defaults as there."""

    model_init_kwargs: Optional[dict] = None
    remove_unused_columns: Optional[bool] = False
    max_prompt_length: Optional[int] = 512
    num_generations: Optional[int] = 8
    max_completion_length: Optional[int] = 256
    ds3_gather_for_generation: bool = True
    temperature: float = 0.9
    top_p: float = 1.0
    top_k: Optional[int] = 50
    min_p: Optional[float] = None
    repetition_penalty: float = 1.0
    cache_implementation: Optional[str] = None
    use_vllm: Optional[bool] = False
    vllm_device: Optional[str] = "auto"
    vllm_gpu_memory_utilization: float = 0.9
    vllm_dtype: Optional[str] = "auto"
    vllm_max_model_len: Optional[int] = None
    vllm_enable_prefix_caching: Optional[bool] = True
    vllm_guided_decoding_regex: Optional[str] = None
    learning_rate: float = 1e-6
    beta: float = 0.04
    num_iterations: int = 1
    epsilon: float = 0.2
    epsilon_high: Optional[float] = None
    reward_weights: Optional[list[float]] = None
    sync_ref_model: bool = False
    ref_model_mixup_alpha: float = 0.6
    ref_model_sync_steps: int = 512
    log_completions: bool = False


@dataclass
class Open_r1Fields:
    """The fields open_r1/configs.py adds to trl's GRPOConfig and SFTConfig."""

    benchmarks: list[str] = field(default_factory=lambda: [])
    callbacks: list[str] = field(default_factory=lambda: [])
    system_prompt: Optional[str] = None
    hub_model_revision: Optional[str] = "main"
    overwrite_hub_revision: bool = False
    push_to_hub_revision: bool = False
    wandb_entity: Optional[str] = None
    wandb_project: Optional[str] = None


@dataclass
class ConfigsGRPOConfig(trl.GRPOConfig, Open_r1Fields):
    pass


@dataclass
class ConfigsSFTConfig(trl.SFTConfig, Open_r1Fields):
    pass


@dataclass
class GRPOScriptArguments(ScriptArguments):
    """grpo_jsonl.py's script arguments (the same in both trainers)."""

    data_file_paths: str = None
    image_folders: str = None
    arrow_cache_dir: str = None
    val_split_ratio: float = 0.0
    reward_funcs: list[str] = field(default_factory=lambda: ["accuracy", "format"])
    max_pixels: Optional[int] = 12845056
    min_pixels: Optional[int] = 3136
    max_anyres_num: Optional[int] = 12
    reward_method: Optional[str] = None
    task_type: Optional[str] = None
    is_reward_customized_from_vlm_module: bool = False


@dataclass
class GRPOModelConfig(ModelConfig):
    freeze_vision_modules: bool = False


def cosine_rewards(completions, solution, **kwargs):
    """The registry's `length` reward, reduced to its signature (unused by the Facial-R1 rewards)."""
    return [0.0 for _ in completions]


def repetition_rewards(completions, solution, **kwargs):
    """The registry's `repetition` reward, reduced to its signature."""
    return [0.0 for _ in completions]


def split_lists(script_args):
    """(data files, image folders, reward methods) as main() splits them on ':'."""
    data_files = script_args.data_file_paths.split(":")
    image_folders = script_args.image_folders.split(":")
    if len(data_files) != len(image_folders):
        raise ValueError("Number of data files must match number of image folders")
    if script_args.reward_method is None:
        return data_files, image_folders, ["default"] * len(data_files)
    methods = script_args.reward_method.split(":")
    assert len(methods) == len(data_files), f"Number of reward methods must match number of data files: {len(methods)} != {len(data_files)}"
    return data_files, image_folders, methods


def image_paths(item, image_folder):
    """Moves a record's `image` (a path or a list) into `image_path`, joined to its folder."""
    if "image" not in item:
        return
    if isinstance(item["image"], str):
        item["image_path"] = [__import__("os").path.join(image_folder, item["image"])]
    elif isinstance(item["image"], list):
        item["image_path"] = [__import__("os").path.join(image_folder, image) for image in item["image"]]
    else:
        raise ValueError(f"Unsupported image type: {type(item['image'])}")
    del item["image"]


def sample_records(records, strategy):
    """The datasets YAML's sampling_strategy: all, first:N, end:N, random:N (N may be P%)."""
    import math
    import random

    number = None
    if ":" in strategy:
        strategy, number = strategy.split(":")
        number = math.ceil(int(number.split("%")[0]) * len(records) / 100) if "%" in number else int(number)
    if strategy == "first" and number is not None:
        return records[:number]
    if strategy == "end" and number is not None:
        return records[-number:]
    if strategy == "random" and number is not None:
        random.shuffle(records)
        return records[:number]
    return records


def collate_fn(examples):
    """sft.py's collator, reduced to what can fail: every image of every example is opened."""
    from qwen_vl_utils import process_vision_info

    for example in examples:
        process_vision_info(example["messages"])
    return {"input_ids": [[0]] * len(examples)}


def run_sft(dataset_class, script_args, training_args, model_args):
    """sft.py's main() after its dataset: processor and model chosen by name, the trainer, train."""
    from open_r1.utils.callbacks import get_callbacks
    from trl import SFTTrainer, get_peft_config

    dataset = dataset_class(script_args.dataset_name, script_args)
    loader = AutoProcessor if "vl" in model_args.model_name_or_path.lower() else AutoTokenizer
    processor = loader.from_pretrained(model_args.model_name_or_path, trust_remote_code=model_args.trust_remote_code)
    if "Qwen2-VL" in model_args.model_name_or_path:
        model = Qwen2VLForConditionalGeneration.from_pretrained(model_args.model_name_or_path)
    elif "Qwen2.5-VL" in model_args.model_name_or_path:
        model = Qwen2_5_VLForConditionalGeneration.from_pretrained(model_args.model_name_or_path)
    else:
        raise ValueError(f"Unsupported model: {model_args.model_name_or_path}")
    training_args.remove_unused_columns = False
    trainer = SFTTrainer(model=model, args=training_args, train_dataset=dataset, processing_class=processor, data_collator=collate_fn,
                         peft_config=get_peft_config(model_args), callbacks=get_callbacks(training_args, model_args))
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.save_model(training_args.output_dir)


def make_trainer(trainer_cls, vlm_module_cls, reward_funcs, script_args, training_args, model_args, dataset):
    """The trainer main() builds, with the validation split it asks for."""
    from trl import get_peft_config

    splits = {"train": dataset}
    if script_args.val_split_ratio > 0:
        parts = dataset.train_test_split(test_size=script_args.val_split_ratio)
        splits = {"train": parts["train"], "validation": parts["test"]}
    return trainer_cls(
        model=model_args.model_name_or_path,
        reward_funcs=reward_funcs,
        args=training_args,
        vlm_module=vlm_module_cls(),
        train_dataset=splits["train"],
        eval_dataset=splits.get("validation") if training_args.eval_strategy != "no" else None,
        peft_config=get_peft_config(model_args),
        freeze_vision_modules=model_args.freeze_vision_modules,
        attn_implementation=model_args.attn_implementation,
        max_pixels=script_args.max_pixels,
        min_pixels=script_args.min_pixels,
        max_anyres_num=script_args.max_anyres_num,
    )


def monkey_patch_qwen2_5vl_flash_attn():
    pass


def monkey_patch_torch_load():
    pass


def monkey_patch_qwen2_5vl_forward():
    """open_r1/qwen2_5vl_monkey_patch.py's ZeRO-3 forward patch: it announces itself, so a test sees
    that it ran (it must exactly when the --deepspeed path contains "zero3")."""
    print("stand-in: zero3 forward patch applied", flush=True)


class Qwen2VLModule:
    """open_r1/vlm_modules/qwen_module.py: the model path must name Qwen2-VL or Qwen2.5-VL
    (case-sensitive substrings); the default question template is the real one's shape."""

    def get_model_class(self, model_id, model_init_kwargs):
        if "Qwen2-VL" in model_id or "Qwen2.5-VL" in model_id:
            return object
        raise ValueError("Unsupported model: %s" % model_id)

    @staticmethod
    def get_question_template(task_type):
        return "{Question} First output the thinking process in <think> </think> tags and then output the final answer in <answer> </answer> tags."


class InvernVLModule:
    """open_r1/vlm_modules/internvl_module.py, not modelled: choosing it fails at construction."""

    @staticmethod
    def get_question_template(task_type):
        return "{Question}"

    def get_model_class(self, model_id, model_init_kwargs):
        raise ValueError("stand-in: InternVL is not modelled")


def get_callbacks(train_config, model_config):
    """open_r1/utils/callbacks.py: callbacks are named in --callbacks; none are modelled."""
    if train_config.callbacks:
        raise ValueError("stand-in: callbacks %s are not modelled" % train_config.callbacks)
    return []
