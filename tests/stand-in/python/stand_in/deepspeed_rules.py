"""What happens to a DeepSpeed JSON config between the HF Trainer and DeepSpeed's engine, reduced
to the rules that stop a run at start. Written from reading:

- transformers' HfTrainerDeepSpeedConfig (integrations/deepspeed.py, 5.18 wheel; the same rules
  in 4.49): trainer_config_process fills every "auto" it knows from TrainingArguments
  (train_micro_batch_size_per_gpu, gradient_accumulation_steps, train_batch_size,
  gradient_clipping, optimizer.params lr/betas/eps/weight_decay, scheduler.params, fp16/bf16
  enabled) and records a mismatch for every explicit value that disagrees; the hidden-size keys
  of zero_optimization are filled from the model; a mismatch is a ValueError;
  deepspeed_optim_sched hands DeepSpeed the Trainer's own torch optimizer when the config has
  no "optimizer" block;
- microsoft/DeepSpeed@38327e07f6cd: runtime/config.py (_batch_assertion: train_batch_size ==
  micro batch x accumulation x world size; positive values; stage <= 3; fp16 and bf16 not both
  on) and runtime/engine.py (_configure_optimizer: ZeRO-Offload of the optimizer to cpu or nvme
  with a client optimizer that is not DeepSpeedCPUAdam raises ZeRORuntimeException unless
  zero_force_ds_cpu_optimizer is false).
Any "auto" left after filling reaches DeepSpeed as a string and fails there too.
"""
import copy


class ZeRORuntimeException(Exception):
    pass


HIDDEN_SIZE = 3584  # Qwen2.5-VL-7B; only fills the bucket-size "auto"s


def _node(config, dotted):
    keys = dotted.split(".")
    node = config
    for key in keys[:-1]:
        node = node.get(key)
        if not isinstance(node, dict):
            return None, keys[-1]
    return node, keys[-1]


def resolve(config, args, world_size, num_training_steps=100):
    """The config DeepSpeed receives from the HF Trainer (a copy), or ValueError on mismatches."""
    config = copy.deepcopy(config)
    mismatches = []

    def fill(dotted, value, must_match=True):
        node, key = _node(config, dotted)
        if node is None:
            return
        if node.get(key) == "auto":
            node[key] = value
        elif must_match and node.get(key) is not None and node.get(key) != value:
            mismatches.append("- ds %s=%s vs hf %s" % (dotted, node.get(key), value))

    fill("train_micro_batch_size_per_gpu", args.per_device_train_batch_size)
    fill("gradient_accumulation_steps", args.gradient_accumulation_steps)
    fill("train_batch_size", world_size * args.per_device_train_batch_size * args.gradient_accumulation_steps)
    fill("gradient_clipping", args.max_grad_norm)
    fill("optimizer.params.lr", args.learning_rate)
    fill("optimizer.params.betas", [args.adam_beta1, args.adam_beta2])
    fill("optimizer.params.eps", args.adam_epsilon)
    fill("optimizer.params.weight_decay", args.weight_decay)
    fill("scheduler.params.warmup_min_lr", 0, must_match=False)
    fill("scheduler.params.warmup_max_lr", args.learning_rate)
    fill("fp16.enabled", bool(args.fp16 or args.fp16_full_eval))
    fill("bf16.enabled", bool(args.bf16 or args.bf16_full_eval))
    fill("zero_optimization.reduce_bucket_size", HIDDEN_SIZE * HIDDEN_SIZE, must_match=False)
    fill("zero_optimization.stage3_prefetch_bucket_size", int(0.9 * HIDDEN_SIZE * HIDDEN_SIZE), must_match=False)
    fill("zero_optimization.stage3_param_persistence_threshold", 10 * HIDDEN_SIZE, must_match=False)
    fill("scheduler.params.total_num_steps", num_training_steps)
    fill("scheduler.params.warmup_num_steps", max(1, args.warmup_steps))
    if mismatches:
        raise ValueError("Please correct the following DeepSpeed config values that mismatch TrainingArguments values:\n" + "\n".join(mismatches))
    return config


def _autos(value, path=""):
    if value == "auto":
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _autos(v, "%s.%s" % (path, k) if path else k)


def check(config, args, world_size):
    """Raises what the HF Trainer or DeepSpeed would raise when starting with this config."""
    ds = resolve(config, args, world_size)
    left = list(_autos(ds))
    if left:
        raise ValueError("DeepSpeed received unfilled 'auto' values: %s" % left)
    train, micro, accumulation = ds.get("train_batch_size"), ds.get("train_micro_batch_size_per_gpu"), ds.get("gradient_accumulation_steps")
    assert train > 0 and micro > 0 and accumulation > 0, "batch sizes must be positive"
    assert train == micro * accumulation * world_size, "Check batch related parameters. train_batch_size is not equal to micro_batch_per_gpu * gradient_acc_step * world_size %s != %s * %s * %s" % (train, micro, accumulation, world_size)
    zero = ds.get("zero_optimization") or {}
    assert int(zero.get("stage", 0)) <= 3, "DeepSpeedConfig: Maximum supported ZeRO stage is 3"
    if (ds.get("fp16") or {}).get("enabled") and (ds.get("bf16") or {}).get("enabled"):
        raise ValueError("bf16 and fp16 modes cannot be simultaneously enabled")
    offload_device = ((zero.get("offload_optimizer") or {}).get("device") or "none").lower()
    client_optimizer = "optimizer" not in ds
    if offload_device in ("cpu", "nvme") and client_optimizer and ds.get("zero_force_ds_cpu_optimizer", True):
        raise ZeRORuntimeException(
            "You are using ZeRO-Offload with a client provided optimizer (torch.optim.AdamW) which in most cases will yield poor performance. "
            "Please either use deepspeed.ops.adam.DeepSpeedCPUAdam or set an optimizer in your ds-config. "
            'If you really want to use a custom optimizer w. ZeRO-Offload ... set <"zero_force_ds_cpu_optimizer": false>.'
        )
    return ds


def check_run(args):
    """The DeepSpeed config of a run: --deepspeed (torchrun launches) or the file accelerate
    passes on (ACCELERATE_DEEPSPEED_CONFIG_FILE); checked when there is one."""
    import json
    import os

    path = args.deepspeed or os.environ.get("ACCELERATE_DEEPSPEED_CONFIG_FILE")
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    return check(config, args, int(os.environ.get("WORLD_SIZE", "1")))
