"""CPU stand-in for open_r1.grpo_jsonl: the module surface the train_grpo.py launcher uses.

It parses the trainer's command line, reads the JSONL data files joined to their image
folders, makes completions of the shape a policy produces, scores them with the functions
in reward_funcs_registry (called as the trainer calls them), and writes checkpoints whose
trainer_state.json has the Trainer's format. No model, no GPU.
"""
import json
import os
import sys
import time


def _default_accuracy(completions, **kwargs):
    return [0.0 for _ in completions]


def _default_format(completions, **kwargs):
    return [0.0 for _ in completions]


reward_funcs_registry = {"accuracy": _default_accuracy, "format": _default_format}


class _Args:
    def __init__(self, values):
        self.__dict__.update(values)


class GRPOScriptArguments:
    pass


class GRPOConfig:
    pass


class GRPOModelConfig:
    pass


def monkey_patch_qwen2_5vl_forward():
    print("stand-in: zero3 forward patch applied", flush=True)


class TrlParser:
    LIST_FLAGS = {"reward_funcs"}

    def __init__(self, dataclass_types):
        self.dataclass_types = dataclass_types

    def parse_args_and_config(self):
        values = {}
        argv = sys.argv[1:]
        i = 0
        while i < len(argv):
            flag = argv[i]
            if not flag.startswith("--"):
                raise SystemExit("stand-in trainer: unexpected argument %r" % flag)
            name = flag[2:].replace("-", "_")
            j = i + 1
            items = []
            while j < len(argv) and not argv[j].startswith("--"):
                items.append(argv[j])
                j += 1
            if name in self.LIST_FLAGS:
                values[name] = items
            elif len(items) == 0:
                values[name] = True
            elif len(items) == 1:
                values[name] = items[0]
            else:
                raise SystemExit("stand-in trainer: %s takes one value, got %r" % (flag, items))
            i = j
        if "dataset_name" not in values:
            raise SystemExit("stand-in trainer: --dataset_name is required (trl 0.17 ScriptArguments)")
        args = _Args(values)
        return args, args, args


def _completions_for(record, n):
    """Deterministic completions of varying quality, like an early policy's."""
    label = (record.get("labels") or [""])[0]
    aus = record.get("AUs") or []
    think = "The face shows " + " and ".join(aus) + "." if aus else "The face is relaxed."
    variants = [
        "<think>%s</think>\n<answer>%s</answer>" % (think, label),
        "<think>%s</think><answer>neutral</answer>" % think,
        "<think>%s</think>" % think,
        "<answer>%s</answer>" % label,
        "<think>Brows lowered (AU4).</think>\n<answer>%s</answer>" % label,
    ]
    return [variants[k % len(variants)] for k in range(n)]


def _solution(record):
    if "solution" in record:
        return record["solution"]
    if "conversations" in record:
        return record["conversations"][1]["value"]
    return "<answer>%s</answer>" % (record.get("labels") or [""])[0]


def _records(args):
    files = args.data_file_paths.split(":")
    folders = args.image_folders.split(":")
    if len(files) != len(folders):
        raise ValueError("number of data files must match number of image folders")
    for path, folder in zip(files, folders):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                record = json.loads(line)
                if record.get("is_valid") is False:
                    continue
                images = record.get("image")
                images = images if isinstance(images, list) else [images]
                for image in images:
                    full = os.path.join(folder, image)
                    assert os.path.exists(full), "Image path %s does not exist" % full
                record["image_path"] = [os.path.join(folder, image) for image in images]
                yield record


def _write_checkpoint(output_dir, state, weight_bytes):
    path = os.path.join(output_dir, "checkpoint-%d" % state["global_step"])
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(os.urandom(weight_bytes))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump({"model_type": "qwen2_5_vl", "stand_in": True}, f)
    with open(os.path.join(path, "trainer_state.json"), "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")


def main(script_args, training_args, model_args):
    args = script_args
    output_dir = args.output_dir
    os.makedirs(output_dir, exist_ok=True)
    names = args.reward_funcs if hasattr(args, "reward_funcs") else ["accuracy", "format"]
    funcs = [reward_funcs_registry[name] for name in names]
    generations = int(getattr(args, "num_generations", 8))
    per_device = int(getattr(args, "per_device_train_batch_size", 8))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if (per_device * world) % generations != 0:
        raise ValueError("global batch %d is not divisible by num_generations %d" % (per_device * world, generations))
    epochs = int(float(getattr(args, "num_train_epochs", 1)))
    step_seconds = float(os.environ.get("STANDIN_STEP_SECONDS", "0"))
    fail_at = int(os.environ.get("STANDIN_FAIL_AT_STEP", "0"))
    weight_bytes = int(os.environ.get("STANDIN_WEIGHT_BYTES", "4096"))
    records = list(_records(args))
    prompts_per_step = max(1, per_device * world // generations)
    steps_per_epoch = max(1, (len(records) + prompts_per_step - 1) // prompts_per_step)
    max_steps = steps_per_epoch * epochs
    state = {
        "best_metric": None, "best_model_checkpoint": None, "epoch": 0.0, "eval_steps": 500,
        "global_step": 0, "is_hyper_param_search": False, "is_local_process_zero": True,
        "is_world_process_zero": True, "log_history": [], "logging_steps": 1, "max_steps": max_steps,
        "num_input_tokens_seen": 0, "num_train_epochs": epochs, "save_steps": 500, "stateful_callbacks": {},
        "total_flos": 0.0, "train_batch_size": per_device, "trial_name": None, "trial_params": None,
    }
    started = time.time()
    for epoch in range(epochs):
        for s in range(steps_per_epoch):
            step = state["global_step"] + 1
            if fail_at and step == fail_at:
                print("stand-in: simulated failure at step %d" % step, file=sys.stderr, flush=True)
                sys.exit(3)
            batch = [records[(s * prompts_per_step + k) % len(records)] for k in range(prompts_per_step)]
            columns = {}
            completions = []
            for record in batch:
                for text in _completions_for(record, generations):
                    completions.append([{"role": "assistant", "content": text}])
                    row = dict(record, solution=_solution(record))
                    for key, value in row.items():
                        columns.setdefault(key, []).append(value)
            prompts = [[{"role": "user", "content": r.get("question", "")}] for r in batch for _ in range(generations)]
            rewards = {}
            for name, fn in zip(names, funcs):
                values = fn(prompts=prompts, completions=completions, **columns)
                rewards[getattr(fn, "__name__", name)] = sum(values) / len(values)
            total = sum(rewards.values())
            entry = {
                "clip_ratio": 0.0, "completion_length": 40.0 + step, "epoch": round(epoch + (s + 1) / steps_per_epoch, 4),
                "grad_norm": 1.0 / step, "learning_rate": float(getattr(args, "learning_rate", 1e-6)),
                "loss": 0.01 * step, "reward": total, "reward_std": 0.1, "step": step,
            }
            for fn_name, mean in rewards.items():
                entry["rewards/" + fn_name] = mean
            state["log_history"].append(entry)
            state["global_step"] = step
            state["epoch"] = entry["epoch"]
            print("stand-in: step %d/%d reward %.4f" % (step, max_steps, total), flush=True)
            if step_seconds:
                time.sleep(step_seconds)
        _write_checkpoint(output_dir, state, weight_bytes)
    runtime = time.time() - started
    state["log_history"].append({
        "epoch": state["epoch"], "step": state["global_step"], "total_flos": 0.0, "train_loss": 0.01,
        "train_runtime": runtime, "train_samples_per_second": 0.0, "train_steps_per_second": 0.0,
    })
    with open(os.path.join(output_dir, "trainer_state.json"), "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")
    print("stand-in: training finished", flush=True)
