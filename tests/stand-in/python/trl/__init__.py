"""Stand-in for trl 0.17.0, the version VLM-R1 and the Facial-R1 fork pin: the argument classes
and the parser their entry points use (huggingface/trl@cd6b3de356dd, tag v0.17.0:
trl/scripts/utils.py, trl/trainer/model_config.py, trl/trainer/sft_config.py). Field names,
types, defaults and the `choices` metadata are as there; `dataset_name` has no default, so the
parser requires it. TrlParser reads `--config file.yaml` into the defaults (and its `env:` into
the environment) before parsing the command line, as the real one does.
"""
import os
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml
from transformers import HfArgumentParser, TrainingArguments

__version__ = "0.17.0"


@dataclass
class ScriptArguments:
    dataset_name: str = field(metadata={"help": "Dataset name."})
    dataset_config: Optional[str] = None
    dataset_train_split: str = "train"
    dataset_test_split: str = "test"
    gradient_checkpointing_use_reentrant: bool = False
    ignore_bias_buffers: bool = False


@dataclass
class ModelConfig:
    model_name_or_path: Optional[str] = None
    model_revision: str = "main"
    torch_dtype: Optional[str] = field(default=None, metadata={"choices": ["auto", "bfloat16", "float16", "float32"]})
    trust_remote_code: bool = False
    attn_implementation: Optional[str] = None
    use_peft: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: Optional[list[str]] = None
    lora_modules_to_save: Optional[list[str]] = None
    lora_task_type: str = "CAUSAL_LM"
    use_rslora: bool = False
    use_dora: bool = False
    load_in_8bit: bool = False
    load_in_4bit: bool = False
    bnb_4bit_quant_type: str = field(default="nf4", metadata={"choices": ["fp4", "nf4"]})
    use_bnb_nested_quant: bool = False

    def __post_init__(self):
        if self.load_in_8bit and self.load_in_4bit:
            raise ValueError("You can't use 8 bit and 4 bit precision at the same time")
        if hasattr(self.lora_target_modules, "__len__") and len(self.lora_target_modules) == 1:
            self.lora_target_modules = self.lora_target_modules[0]


@dataclass
class SFTConfig(TrainingArguments):
    model_init_kwargs: Optional[dict[str, Any]] = None
    dataset_text_field: str = "text"
    dataset_kwargs: Optional[dict[str, Any]] = None
    dataset_num_proc: Optional[int] = None
    eos_token: Optional[str] = None
    pad_token: Optional[str] = None
    max_length: Optional[int] = 1024
    packing: bool = False
    padding_free: bool = False
    eval_packing: Optional[bool] = None
    learning_rate: float = 2e-05
    completion_only_loss: Optional[bool] = None
    dataset_batch_size: Optional[int] = None
    num_of_sequences: Optional[int] = None
    chars_per_token: Optional[float] = None
    max_seq_length: Optional[int] = None
    use_liger: Optional[bool] = None

    def __post_init__(self):
        super().__post_init__()
        if self.max_seq_length is not None:
            self.max_length = self.max_seq_length


@dataclass
class GRPOConfig(TrainingArguments):
    """trl's own GRPOConfig: open_r1/configs.py subclasses it, but no entry point the bundles run
    parses it (grpo_jsonl.py parses open_r1.trainer.GRPOConfig)."""

    num_generations: Optional[int] = 8
    max_completion_length: Optional[int] = 256
    beta: float = 0.04


class TrlParser(HfArgumentParser):
    def __init__(self, dataclass_types=None, **kwargs):
        types = dataclass_types if isinstance(dataclass_types, (list, tuple)) else [dataclass_types]
        for dtype in types:
            if "config" in dtype.__dataclass_fields__:
                raise ValueError("Dataclass %s has a field named 'config'." % dtype.__name__)
        super().__init__(types, **kwargs)

    def parse_args_and_config(self, args=None, return_remaining_strings=False):
        args = list(args) if args is not None else __import__("sys").argv[1:]
        remaining_from_config = []
        if "--config" in args:
            at = args.index("--config")
            args.pop(at)
            with open(args.pop(at)) as f:
                config = yaml.safe_load(f)
            for key, value in (config.pop("env", None) or {}).items():
                os.environ[key] = str(value)
            for action in self._actions:
                if action.dest in config:
                    action.default = config.pop(action.dest)
                    action.required = False
            remaining_from_config = [item for key, value in config.items() for item in ("--%s" % key, str(value))]
        output = self.parse_args_into_dataclasses(args=args, return_remaining_strings=return_remaining_strings)
        if return_remaining_strings:
            return output[:-1] + (remaining_from_config + output[-1],)
        return output


def get_peft_config(model_args):
    if not model_args.use_peft:
        return None
    return {"r": model_args.lora_r, "lora_alpha": model_args.lora_alpha, "lora_dropout": model_args.lora_dropout, "target_modules": model_args.lora_target_modules}


def get_kbit_device_map():
    return None


def get_quantization_config(model_args):
    return None


class _Accelerator:
    is_main_process = True


class _TrainResult:
    def __init__(self, metrics):
        self.metrics = metrics


class SFTTrainer:
    """trl's SFTTrainer as the SFT scripts drive it (skip_prepare_dataset, their own collator):
    every item of the dataset is fetched and collated in per-device batches (that is where a
    record the script cannot turn into messages, or a missing image, fails), then checkpoints and
    trainer_state.json are written as the HF Trainer writes them."""

    def __init__(self, model=None, args=None, train_dataset=None, eval_dataset=None, processing_class=None, data_collator=None,
                 peft_config=None, callbacks=None):
        self.args = args
        self.train_dataset = train_dataset
        self.data_collator = data_collator
        self.accelerator = _Accelerator()

    def train(self, resume_from_checkpoint=None):
        import math
        import time

        from stand_in.checkpoints import after_step, before_step, finish, new_state, write_checkpoint
        from stand_in.deepspeed_rules import check_run

        args = self.args
        check_run(args)
        world = int(os.environ.get("WORLD_SIZE", "1"))
        per_device = args.per_device_train_batch_size
        items = [self.train_dataset[i] for i in range(len(self.train_dataset))]
        batches = [items[i:i + per_device] for i in range(0, len(items), per_device)]
        steps_per_epoch = max(1, math.ceil(math.ceil(len(items) / (per_device * world)) / args.gradient_accumulation_steps))
        epochs = int(math.ceil(args.num_train_epochs))
        max_steps = args.max_steps if args.max_steps and args.max_steps > 0 else steps_per_epoch * epochs
        state = new_state(max_steps, epochs, per_device)
        started = time.time()
        cursor = 0
        for step in range(1, max_steps + 1):
            before_step(step)
            for _ in range(args.gradient_accumulation_steps * world):
                self.data_collator(batches[cursor % len(batches)])
                cursor += 1
            entry = {"epoch": round(step / steps_per_epoch, 4), "grad_norm": 1.0 / step, "learning_rate": float(args.learning_rate), "loss": 2.0 / step, "step": step}
            state["log_history"].append(entry)
            state["global_step"] = step
            state["epoch"] = entry["epoch"]
            print("stand-in: sft step %d/%d loss %.4f" % (step, max_steps, entry["loss"]), flush=True)
            after_step()
            if args.save_strategy == "epoch" and (step % steps_per_epoch == 0 or step == max_steps) or args.save_strategy == "steps" and step % int(args.save_steps) == 0:
                write_checkpoint(args.output_dir, state)
        finish(args.output_dir, state, time.time() - started)
        print("stand-in: training finished", flush=True)
        return _TrainResult({"train_loss": 0.01})

    def log_metrics(self, split, metrics):
        pass

    def save_metrics(self, split, metrics):
        pass

    def save_state(self):
        pass

    def save_model(self, output_dir):
        os.makedirs(output_dir, exist_ok=True)

    def create_model_card(self):
        pass
