"""Stand-in for the parts of transformers 4.49.0 (the version VLM-R1 and the Facial-R1 fork pin)
that decide whether a trainer accepts its command line: HfArgumentParser and TrainingArguments.

Written from huggingface/transformers src/transformers/hf_argparser.py (the parsing rules are
the same in 4.49 and in the 5.18 wheel read here) and training_args.py at fd798335c275 for the
field names; field types and defaults follow the 4.57.6 wheel's training_args.py, with the three
fields 4.57 dropped (use_ipex, split_batches, dispatch_batches) put back. The real parser is
argparse over the dataclass fields; so is this one, rule for rule:
- `--name` and `--name-with-dashes`; unknown arguments raise "Some specified arguments are not
  used by the HfArgumentParser"; unambiguous prefixes are accepted (argparse's allow_abbrev);
- bool fields take an optional value (yes/true/t/y/1, no/false/f/n/0) and have `--no_name` when
  their default is True; Optional[bool] fields need a value;
- list fields take one or more values; Enum fields (and Union[Enum, str]) take one of the
  enum's values; fields without a default are required.
The tests check these rules against the real HfArgumentParser when the Python test
environment is there (tests/python/).
"""
import dataclasses
import sys
import types
from argparse import ArgumentParser, ArgumentTypeError
from enum import Enum
from typing import Literal, Optional, Union, get_type_hints

__version__ = "4.49.0"


def string_to_bool(v):
    if isinstance(v, bool):
        return v
    if v.lower() in ("yes", "true", "t", "y", "1"):
        return True
    if v.lower() in ("no", "false", "f", "n", "0"):
        return False
    raise ArgumentTypeError("Truthy value expected: got %s but expected one of yes/no, true/false, t/f, y/n, 1/0 (case insensitive)." % v)


def _choice_type(choices):
    by_text = {str(c): c for c in choices}
    return lambda arg: by_text.get(arg, arg)


def _is_optional_bool(tp):
    return getattr(tp, "__origin__", None) is Union and set(tp.__args__) == {bool, type(None)}


class HfArgumentParser(ArgumentParser):
    def __init__(self, dataclass_types, **kwargs):
        super().__init__(**kwargs)
        if dataclasses.is_dataclass(dataclass_types):
            dataclass_types = [dataclass_types]
        self.dataclass_types = list(dataclass_types)
        for dtype in self.dataclass_types:
            hints = get_type_hints(dtype)
            for f in dataclasses.fields(dtype):
                if f.init:
                    self._add_field(f, hints[f.name])

    def _add_field(self, f, tp):
        options = ["--" + f.name]
        if "_" in f.name:
            options.append("--" + f.name.replace("_", "-"))
        kwargs = dict(f.metadata)
        origin = getattr(tp, "__origin__", tp)
        if origin is Union or (hasattr(types, "UnionType") and isinstance(tp, types.UnionType)):
            args = tp.__args__
            if str not in args and (len(args) != 2 or type(None) not in args):
                raise ValueError("Only `Union[X, NoneType]` (i.e., `Optional[X]`) is allowed for `Union`; field %r" % f.name)
            if type(None) not in args:
                tp = args[0] if args[1] is str else args[1]
            elif bool not in args:
                tp = args[0] if isinstance(None, args[1]) else args[1]
            origin = getattr(tp, "__origin__", tp)
        is_bool = tp is bool or _is_optional_bool(tp)
        if origin is Literal or (isinstance(tp, type) and issubclass(tp, Enum)):
            choices = list(tp.__args__) if origin is Literal else [x.value for x in tp]
            kwargs.update(choices=choices, type=_choice_type(choices))
            if f.default is not dataclasses.MISSING:
                kwargs["default"] = f.default
            else:
                kwargs["required"] = True
        elif is_bool:
            kwargs["type"] = string_to_bool
            if tp is bool or (f.default is not None and f.default is not dataclasses.MISSING):
                kwargs["default"] = False if f.default is dataclasses.MISSING else f.default
                kwargs["nargs"] = "?"
                kwargs["const"] = True
        elif isinstance(origin, type) and issubclass(origin, list):
            kwargs["type"] = tp.__args__[0]
            kwargs["nargs"] = "+"
            if f.default_factory is not dataclasses.MISSING:
                kwargs["default"] = f.default_factory()
            elif f.default is dataclasses.MISSING:
                kwargs["required"] = True
        else:
            kwargs["type"] = tp
            if f.default is not dataclasses.MISSING:
                kwargs["default"] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                kwargs["default"] = f.default_factory()
            else:
                kwargs["required"] = True
        self.add_argument(*options, **kwargs)
        if f.default is True and is_bool:
            self.add_argument("--no_" + f.name, "--no-" + f.name.replace("_", "-"), action="store_false", dest=f.name)

    def parse_args_into_dataclasses(self, args=None, return_remaining_strings=False):
        namespace, remaining = self.parse_known_args(args=args)
        outputs = []
        for dtype in self.dataclass_types:
            keys = {f.name for f in dataclasses.fields(dtype) if f.init}
            inputs = {k: v for k, v in vars(namespace).items() if k in keys}
            for k in keys:
                delattr(namespace, k)
            outputs.append(dtype(**inputs))
        if namespace.__dict__:
            outputs.append(namespace)
        if return_remaining_strings:
            return (*outputs, remaining)
        if remaining:
            raise ValueError("Some specified arguments are not used by the HfArgumentParser: %s" % remaining)
        return tuple(outputs)


class IntervalStrategy(Enum):
    NO = "no"
    STEPS = "steps"
    EPOCH = "epoch"


class SaveStrategy(Enum):
    NO = "no"
    STEPS = "steps"
    EPOCH = "epoch"
    BEST = "best"


class SchedulerType(Enum):
    LINEAR = "linear"
    COSINE = "cosine"
    COSINE_WITH_RESTARTS = "cosine_with_restarts"
    POLYNOMIAL = "polynomial"
    CONSTANT = "constant"
    CONSTANT_WITH_WARMUP = "constant_with_warmup"
    INVERSE_SQRT = "inverse_sqrt"
    REDUCE_ON_PLATEAU = "reduce_lr_on_plateau"
    COSINE_WITH_MIN_LR = "cosine_with_min_lr"
    WARMUP_STABLE_DECAY = "warmup_stable_decay"


class DebugOption(Enum):
    UNDERFLOW_OVERFLOW = "underflow_overflow"
    TPU_METRICS_DEBUG = "tpu_metrics_debug"


class FSDPOption(Enum):
    FULL_SHARD = "full_shard"
    SHARD_GRAD_OP = "shard_grad_op"
    NO_SHARD = "no_shard"
    HYBRID_SHARD = "hybrid_shard"
    HYBRID_SHARD_ZERO2 = "hybrid_shard_zero2"
    OFFLOAD = "offload"
    AUTO_WRAP = "auto_wrap"


class HubStrategy(Enum):
    END = "end"
    EVERY_SAVE = "every_save"
    CHECKPOINT = "checkpoint"
    ALL_CHECKPOINTS = "all_checkpoints"


@dataclasses.dataclass
class TrainingArguments:
    """The 4.49 fields (names, types, defaults); __post_init__ keeps the checks the stand-in
    trainers depend on."""

    output_dir: Optional[str] = None
    overwrite_output_dir: bool = False
    do_train: bool = False
    do_eval: bool = False
    do_predict: bool = False
    eval_strategy: Union[IntervalStrategy, str] = 'no'
    prediction_loss_only: bool = False
    per_device_train_batch_size: int = 8
    per_device_eval_batch_size: int = 8
    per_gpu_train_batch_size: Optional[int] = None
    per_gpu_eval_batch_size: Optional[int] = None
    gradient_accumulation_steps: int = 1
    eval_accumulation_steps: Optional[int] = None
    eval_delay: float = 0
    torch_empty_cache_steps: Optional[int] = None
    learning_rate: float = 5e-05
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-08
    max_grad_norm: float = 1.0
    num_train_epochs: float = 3.0
    max_steps: int = -1
    lr_scheduler_type: Union[SchedulerType, str] = 'linear'
    lr_scheduler_kwargs: Optional[Union[dict, str]] = None
    warmup_ratio: float = 0.0
    warmup_steps: int = 0
    log_level: str = 'passive'
    log_level_replica: str = 'warning'
    log_on_each_node: bool = True
    logging_dir: Optional[str] = None
    logging_strategy: Union[IntervalStrategy, str] = 'steps'
    logging_first_step: bool = False
    logging_steps: float = 500
    logging_nan_inf_filter: bool = True
    save_strategy: Union[SaveStrategy, str] = 'steps'
    save_steps: float = 500
    save_total_limit: Optional[int] = None
    save_safetensors: bool = True
    save_on_each_node: bool = False
    save_only_model: bool = False
    restore_callback_states_from_checkpoint: bool = False
    no_cuda: bool = False
    use_cpu: bool = False
    use_mps_device: bool = False
    seed: int = 42
    data_seed: Optional[int] = None
    jit_mode_eval: bool = False
    use_ipex: bool = False
    bf16: bool = False
    fp16: bool = False
    fp16_opt_level: str = 'O1'
    half_precision_backend: str = 'auto'
    bf16_full_eval: bool = False
    fp16_full_eval: bool = False
    tf32: Optional[bool] = None
    local_rank: int = -1
    ddp_backend: Optional[str] = None
    tpu_num_cores: Optional[int] = None
    tpu_metrics_debug: bool = False
    debug: Union[str, list[DebugOption]] = ''
    dataloader_drop_last: bool = False
    eval_steps: Optional[float] = None
    dataloader_num_workers: int = 0
    dataloader_prefetch_factor: Optional[int] = None
    past_index: int = -1
    run_name: Optional[str] = None
    disable_tqdm: Optional[bool] = None
    remove_unused_columns: bool = True
    label_names: Optional[list[str]] = None
    load_best_model_at_end: bool = False
    metric_for_best_model: Optional[str] = None
    greater_is_better: Optional[bool] = None
    ignore_data_skip: bool = False
    fsdp: Optional[Union[list[FSDPOption], str]] = None
    fsdp_min_num_params: int = 0
    fsdp_config: Optional[Union[dict, str]] = None
    fsdp_transformer_layer_cls_to_wrap: Optional[str] = None
    accelerator_config: Optional[Union[dict, str]] = None
    deepspeed: Optional[Union[dict, str]] = None
    label_smoothing_factor: float = 0.0
    optim: str = 'adamw_torch'
    optim_args: Optional[str] = None
    adafactor: bool = False
    group_by_length: bool = False
    length_column_name: str = 'length'
    report_to: Union[None, str, list[str]] = None
    ddp_find_unused_parameters: Optional[bool] = None
    ddp_bucket_cap_mb: Optional[int] = None
    ddp_broadcast_buffers: Optional[bool] = None
    dataloader_pin_memory: bool = True
    dataloader_persistent_workers: bool = False
    skip_memory_metrics: bool = True
    use_legacy_prediction_loop: bool = False
    push_to_hub: bool = False
    resume_from_checkpoint: Optional[str] = None
    hub_model_id: Optional[str] = None
    hub_strategy: Union[HubStrategy, str] = 'every_save'
    hub_token: Optional[str] = None
    hub_private_repo: Optional[bool] = None
    hub_always_push: bool = False
    gradient_checkpointing: bool = False
    gradient_checkpointing_kwargs: Optional[Union[dict, str]] = None
    include_inputs_for_metrics: bool = False
    include_for_metrics: list[str] = dataclasses.field(default_factory=list)
    eval_do_concat_batches: bool = True
    fp16_backend: str = 'auto'
    push_to_hub_model_id: Optional[str] = None
    push_to_hub_organization: Optional[str] = None
    push_to_hub_token: Optional[str] = None
    mp_parameters: str = ''
    auto_find_batch_size: bool = False
    full_determinism: bool = False
    torchdynamo: Optional[str] = None
    ray_scope: Optional[str] = 'last'
    ddp_timeout: int = 1800
    torch_compile: bool = False
    torch_compile_backend: Optional[str] = None
    torch_compile_mode: Optional[str] = None
    include_tokens_per_second: bool = False
    include_num_input_tokens_seen: Union[str, bool] = False
    neftune_noise_alpha: Optional[float] = None
    optim_target_modules: Union[None, str, list[str]] = None
    batch_eval_metrics: bool = False
    eval_on_start: bool = False
    use_liger_kernel: bool = False
    eval_use_gather_object: bool = False
    average_tokens_across_devices: bool = False
    split_batches: Optional[bool] = None
    dispatch_batches: Optional[bool] = None

    def __post_init__(self):
        for name in ("eval_strategy", "logging_strategy", "save_strategy", "lr_scheduler_type", "hub_strategy"):
            value = getattr(self, name)
            if isinstance(value, Enum):
                setattr(self, name, value.value)
        if self.bf16 and self.fp16:
            raise ValueError("At most one of fp16 and bf16 can be True, but not both")

    @property
    def world_size(self):
        import os

        return int(os.environ.get("WORLD_SIZE", "1"))

    def get_process_log_level(self):
        return 20


class AutoTokenizer:
    @classmethod
    def from_pretrained(cls, path, **kwargs):
        return cls()


AutoProcessor = AutoTokenizer


def set_seed(seed):
    import random

    random.seed(seed)


sys.modules.setdefault(__name__ + ".hf_argparser", sys.modules[__name__])


class _PretrainedModel:
    @classmethod
    def from_pretrained(cls, path, **kwargs):
        return cls()


class Qwen2VLForConditionalGeneration(_PretrainedModel):
    pass


class Qwen2_5_VLForConditionalGeneration(_PretrainedModel):
    pass


class PreTrainedTokenizerBase:
    """Named by datasets' fingerprinting (it checks tokenizers it pickles against this class)."""
