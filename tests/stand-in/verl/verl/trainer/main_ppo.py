"""Stand-in for `python3 -m verl.trainer.main_ppo` (volcengine/verl@b178a3cd56f58b2d502255daba591e92833930a7),
reduced to what decides whether a run starts and what the data and the reward function see:

- the command line is Hydra overrides of the composed ppo_trainer config: `key=value` for a key
  of the config (config_keys.json, the paths of verl/trainer/config/_generated_ppo_trainer.yaml),
  `+key=value` to add one; any other key fails as Hydra's struct mode fails ("Could not override
  'x'. ... Key 'x' is not in struct"). Values in Hydra's grammar: quoted strings, lists, numbers,
  booleans, null;
- ray.init() (RAY_ADDRESS when set), then the resource pool check: the cluster must have
  trainer.nnodes x trainer.n_gpus_per_node GPUs (ResourcePoolManager._check_resource_available);
- verl/utils/config.py validate_config: train_batch_size x rollout.n divisible by the GPU
  count unless use_dynamic_bsz; one of *_micro_batch_size / *_micro_batch_size_per_gpu set for
  the actor, the rollout's and the ref's log-prob passes; actor.ppo_mini_batch_size no larger
  than train_batch_size; then the FSDP worker's normalization (verl/workers/fsdp_workers.py):
  ppo_mini_batch_size x n / world > 0 and divisible by ppo_micro_batch_size_per_gpu;
- custom_reward_function.path/name loaded from the file (verl/trainer/ppo/reward.py); the reward
  manager reward_model.reward_manager (naive default, batch, prime) calls it as the real one:
  naive keyword arguments data_source=, solution_str=, ground_truth=, extra_info= and takes
  result["score"] from a dict; batch compute_score(data_sources=, solution_strs=,
  ground_truths=, extra_infos=); prime positionally and float(result) / float(result[0]);
- the data as verl/utils/dataset/rl_dataset.py reads it: datasets.load_dataset("parquet") per
  file, concatenated; the prompt_key column's messages split at "<image>" with one image per
  placeholder (asserted both ways); each image a dict, {"bytes"} or {"image": path} opened from
  the working directory (qwen_vl_utils.fetch_image);
- the sampler drops the last partial batch: len(dataset) // train_batch_size steps per epoch
  x total_epochs, or trainer.total_training_steps;
- per step the console logger prints `step:N - key:value - ...` (numbers only) and the file
  logger (trainer.logger has "file") appends {"step": N, "data": {...}} to
  VERL_FILE_LOGGER_PATH; checkpoints go to trainer.default_local_dir/global_step_N/ (actor/,
  data.pt) with latest_checkpointed_iteration.txt, every save_freq steps and at the last.
Completions are not generated: they are written from each row's ground truth in five shapes.
"""
import importlib.util
import json
import os
import re
import sys

import datasets

import ray
from stand_in.checkpoints import after_step, before_step
from stand_in.grpo import completions_for, open_image

HERE = os.path.dirname(os.path.abspath(__file__))

# Defaults of _generated_ppo_trainer.yaml that the checks below read.
DEFAULTS = {
    "data.train_files": "~/data/rlhf/gsm8k/train.parquet",
    "data.val_files": "~/data/rlhf/gsm8k/test.parquet",
    "data.prompt_key": "prompt",
    "data.image_key": "images",
    "data.reward_fn_key": "data_source",
    "data.train_batch_size": 1024,
    "actor_rollout_ref.actor.ppo_mini_batch_size": 256,
    "actor_rollout_ref.actor.ppo_micro_batch_size": None,
    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu": None,
    "actor_rollout_ref.actor.use_dynamic_bsz": False,
    "actor_rollout_ref.actor.ulysses_sequence_parallel_size": 1,
    "actor_rollout_ref.actor.optim.lr": 1e-6,
    "actor_rollout_ref.rollout.n": 1,
    "actor_rollout_ref.rollout.log_prob_micro_batch_size": None,
    "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu": None,
    "actor_rollout_ref.ref.log_prob_micro_batch_size": None,
    "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu": None,
    "reward_model.reward_manager": "naive",
    "custom_reward_function.path": None,
    "custom_reward_function.name": "compute_score",
    "trainer.total_epochs": 30,
    "trainer.total_training_steps": None,
    "trainer.project_name": "verl_examples",
    "trainer.experiment_name": "gsm8k",
    "trainer.logger": ["console", "wandb"],
    "trainer.nnodes": 1,
    "trainer.n_gpus_per_node": 8,
    "trainer.save_freq": -1,
    "trainer.default_local_dir": None,
}


class HydraError(Exception):
    pass


_TOKEN = re.compile(r"\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\[\]]+)\s*")


def _scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    low = text.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if low == "null":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if re.search(r"[\s'\"=]", text):
        raise HydraError("mismatched input in override value '%s'" % text)
    return text


def _value(text):
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise HydraError("no viable alternative at input '%s'" % text)
        inner = text[1:-1].strip()
        if not inner:
            return []
        items, pos = [], 0
        while pos < len(inner):
            m = _TOKEN.match(inner, pos)
            if not m:
                raise HydraError("no viable alternative at input '%s'" % text)
            items.append(_scalar(m.group(1)))
            pos = m.end()
            if pos < len(inner):
                if inner[pos] != ",":
                    raise HydraError("no viable alternative at input '%s'" % text)
                pos += 1
        return items
    return _scalar(text)


def parse_overrides(argv):
    with open(os.path.join(HERE, "config_keys.json")) as f:
        keys = set(json.load(f)["keys"])
    config = dict(DEFAULTS)
    seen = set()
    for arg in argv:
        if "=" not in arg:
            raise HydraError("Error parsing override '%s': missing EQUAL" % arg)
        key, raw = arg.split("=", 1)
        add = key.startswith("+")
        key = key.lstrip("+")
        if key in seen:
            raise HydraError("Multiple values for %s. To override a value use 'override %s'" % (key, key))
        seen.add(key)
        if not add and key not in keys:
            raise HydraError("Could not override '%s'.\nTo append to your config use +%s=%s\nKey '%s' is not in struct\n    full_key: %s\n    object_type=dict" % (key, key, raw, key.split(".")[-1], key))
        if add and key in keys:
            raise HydraError("Could not append to config. An item is already at '%s'." % key)
        config[key] = _value(raw)
    return config


def _micro_set(config, prefix, name):
    mbs, per_gpu = config.get("%s.%s" % (prefix, name)), config.get("%s.%s_per_gpu" % (prefix, name))
    if mbs is not None and per_gpu is not None:
        raise ValueError("[%s] You have set both '%s.%s' AND '%s.%s_per_gpu'. Please remove '%s.%s' because only '*_%s_per_gpu' is supported (the former is deprecated)." % (prefix, prefix, name, prefix, name, prefix, name, name))
    if mbs is None and per_gpu is None:
        raise ValueError("[%s] Please set at least one of '%s.%s' or '%s.%s_per_gpu'." % (prefix, prefix, name, prefix, name))


def validate(config):
    n_gpus = config["trainer.n_gpus_per_node"] * config["trainer.nnodes"]
    n = config["actor_rollout_ref.rollout.n"]
    train_batch = config["data.train_batch_size"]
    if not config["actor_rollout_ref.actor.use_dynamic_bsz"]:
        real = train_batch * n
        assert real % n_gpus == 0, "real_train_batch_size (%d) must be divisible by minimal possible batch size (%d)" % (real, n_gpus)
        _micro_set(config, "actor_rollout_ref.actor", "ppo_micro_batch_size")
        _micro_set(config, "actor_rollout_ref.rollout", "log_prob_micro_batch_size")
        _micro_set(config, "actor_rollout_ref.ref", "log_prob_micro_batch_size")
        mini = config["actor_rollout_ref.actor.ppo_mini_batch_size"]
        if train_batch < mini:
            raise ValueError("train_batch_size (%d) must be >= actor.ppo_mini_batch_size (%d)" % (train_batch, mini))
        sp = config["actor_rollout_ref.actor.ulysses_sequence_parallel_size"]
        normalized = mini * n // (n_gpus // sp)
        assert normalized > 0, "ppo_mini_batch_size %d should be larger than 0 after normalization" % normalized
        micro = config["actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu"]
        if micro is not None:
            assert normalized % micro == 0, "normalized ppo_mini_batch_size %d should be divisible by ppo_micro_batch_size_per_gpu %d" % (normalized, micro)
    return n_gpus


def check_resources(n_gpus):
    available = ray.available_resources().get("GPU", 0)
    if available < n_gpus:
        raise ValueError("Total available GPUs %d is less than total desired GPUs %d" % (available, n_gpus))


def load_reward_fn(config):
    path = config["custom_reward_function.path"]
    if not path:
        return None
    if not os.path.exists(path):
        raise FileNotFoundError("Reward function file '%s' not found." % path)
    spec = importlib.util.spec_from_file_location("custom_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom_module"] = module
    spec.loader.exec_module(module)
    name = config["custom_reward_function.name"]
    if not hasattr(module, name):
        raise AttributeError("Reward function '%s' not found in '%s'." % (name, module.__file__))
    print("using customized reward function '%s' from '%s'" % (name, path))
    return getattr(module, name)


def load_rows(config, key):
    files = config[key]
    files = files if isinstance(files, list) else [files]
    frames = []
    for path in files:
        if path.endswith(".parquet"):
            frames.append(datasets.load_dataset("parquet", data_files=path)["train"])
        elif path.endswith(".json"):
            frames.append(datasets.load_dataset("json", data_files=path)["train"])
        else:
            raise ValueError("Unsupported file format: %s" % path)
    dataset = datasets.concatenate_datasets(frames)
    print("dataset len: %d" % len(dataset))
    return dataset


def build_messages(row, config):
    messages = row[config["data.prompt_key"]]
    images = row.pop(config["data.image_key"], None) or []
    offset = 0
    for message in messages:
        if not images:
            continue
        content = message["content"]
        if not isinstance(content, str):
            continue
        for segment in [s for s in re.split("(<image>|<video>)", content) if s != ""]:
            if segment == "<image>":
                assert offset < len(images), "image_offset %d >= len(images) %d" % (offset, len(images))
                image = images[offset]
                if not isinstance(image, dict):
                    raise TypeError("image must be dict or PIL.Image, unsupported image type: %s" % type(image))
                if "bytes" not in image:
                    open_image(image["image"])
                offset += 1
    assert offset == len(images), "image_offset %d != len(images) %d" % (offset, len(images))
    return messages


def _truth_row(ground_truth):
    if isinstance(ground_truth, dict):
        return {"labels": ground_truth.get("labels"), "AUs": ground_truth.get("AUs")}
    return {"solution": ground_truth}


def _scores(results):
    """A dict result gives result["score"] and logs every key; anything else is the score."""
    scores, infos = [], {}
    for result in results:
        if isinstance(result, dict):
            scores.append(float(result["score"]))
            for k, v in result.items():
                infos.setdefault(k, []).append(v)
        else:
            scores.append(float(result))
    return scores, infos


def score_batch(config, reward_fn, items):
    manager = config["reward_model.reward_manager"]
    key = config["data.reward_fn_key"]
    extra = {"num_turns": None, "rollout_reward_scores": {}}
    if manager == "naive":
        return _scores([reward_fn(data_source=row[key], solution_str=response, ground_truth=row["reward_model"]["ground_truth"], extra_info=dict(row.get("extra_info") or {}, **extra)) for row, response in items])
    if manager == "batch":
        return _scores(reward_fn(data_sources=[r[key] for r, _ in items], solution_strs=[s for _, s in items], ground_truths=[r["reward_model"]["ground_truth"] for r, _ in items], extra_infos=[r.get("extra_info") for r, _ in items]))
    if manager == "prime":
        try:
            scores = []
            for row, response in items:
                result = reward_fn(row[key], response, row["reward_model"]["ground_truth"], row.get("extra_info"))
                scores.append(float(result) if isinstance(result, (int, float, bool)) else float(result[0]))
        except Exception as err:
            print("[Error] Unexpected error during scoring. Setting all as 0. %s" % err)
            scores = [0.0 for _ in items]
        return scores, {}
    raise NotImplementedError("Reward manager %s not registered" % manager)


def concat_dict_to_str(data, step):
    out = ["step:%d" % step]
    for k, v in data.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append("%s:%r" % (k, v))
    return " - ".join(out)


def save_checkpoint(config, step):
    root = config["trainer.default_local_dir"] or os.path.join("checkpoints", config["trainer.project_name"], config["trainer.experiment_name"])
    folder = os.path.join(root, "global_step_%d" % step)
    os.makedirs(os.path.join(folder, "actor"), exist_ok=True)
    with open(os.path.join(folder, "actor", "model_world_size_1_rank_0.pt"), "wb") as f:
        f.write(b"\0" * int(os.environ.get("STANDIN_WEIGHT_BYTES", "64")))
    with open(os.path.join(folder, "data.pt"), "wb") as f:
        f.write(b"\0")
    with open(os.path.join(root, "latest_checkpointed_iteration.txt"), "w") as f:
        f.write(str(step))
    print("local_global_step_folder: %s" % folder)


def main(argv):
    config = parse_overrides(argv)
    n_gpus = validate(config)
    if not ray.is_initialized():
        ray.init()
    check_resources(n_gpus)
    reward_fn = load_reward_fn(config)
    train = load_rows(config, "data.train_files")
    load_rows(config, "data.val_files")
    batch = config["data.train_batch_size"]
    steps_per_epoch = len(train) // batch
    total = config["trainer.total_training_steps"] or steps_per_epoch * config["trainer.total_epochs"]
    print("Total training steps: %d" % total)
    loggers = config["trainer.logger"]
    loggers = loggers if isinstance(loggers, list) else [loggers]
    file_log = None
    if "file" in loggers:
        path = os.environ.get("VERL_FILE_LOGGER_PATH") or os.path.join(os.path.expanduser(os.environ.get("VERL_FILE_LOGGER_ROOT", ".")), config["trainer.project_name"], "%s.jsonl" % config["trainer.experiment_name"])
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        file_log = open(path, "wb", buffering=0)
    n = config["actor_rollout_ref.rollout.n"]
    save_freq = config["trainer.save_freq"]
    step = 0
    while step < total:
        epoch = step // max(1, steps_per_epoch)
        start = (step % max(1, steps_per_epoch)) * batch
        before_step(step + 1)
        items = []
        for index in range(start, start + batch):
            row = dict(train[index % len(train)])
            build_messages(row, config)
            truth = _truth_row(row["reward_model"]["ground_truth"])
            for response in completions_for(truth, n):
                items.append((row, response))
        if reward_fn is None:
            raise NotImplementedError("the stand-in has no default_compute_score for data_source %r" % items[0][0][config["data.reward_fn_key"]])
        scores, infos = score_batch(config, reward_fn, items)
        step += 1
        metrics = {
            "training/global_step": step,
            "training/epoch": epoch,
            "actor/pg_loss": round(0.05 / step, 6),
            "actor/grad_norm": round(1.0 / step, 6),
            "actor/lr": config["actor_rollout_ref.actor.optim.lr"],
            "critic/score/mean": sum(scores) / len(scores),
            "critic/score/max": max(scores),
            "critic/score/min": min(scores),
            "response_length/mean": sum(len(r) for _, r in items) / len(items) / 4.0,
        }
        print(concat_dict_to_str(metrics, step), flush=True)
        if file_log:
            file_log.write((json.dumps({"step": step, "data": metrics}) + "\n").encode())
        if save_freq > 0 and (step == total or step % save_freq == 0):
            save_checkpoint(config, step)
        after_step()
    if file_log:
        file_log.close()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except HydraError as err:
        print(str(err), file=sys.stderr)
        print("\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.", file=sys.stderr)
        sys.exit(1)
