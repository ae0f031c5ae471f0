"""Stand-in for EasyR1's `python3 -m verl.trainer.main` (hiyouga/EasyR1@b44b311b669bf1fd1aa2fc36f2251482ba33cb16),
reduced to what decides whether a run starts and what the data and the reward function see:

- OmegaConf.from_cli: `key=value` arguments, each value read as YAML; `config=FILE` is popped
  and the YAML file merged into OmegaConf.structured(PPOConfig()), then the other arguments;
  a key that is not a field of the dataclass tree (config_keys.json: verl/trainer/config.py and
  the worker configs) fails as OmegaConf fails ("Key 'x' not in 'DataConfig'");
- post_init: worker.reward.reward_function "path:name" (name "main" without a colon) made
  absolute when it exists, else None ("Reward function ... not found." printed; the reward
  manager then raises "Reward function is not provided."); data.image_dir the same;
- ray.init() (RAY_ADDRESS when set) and the resource pool: trainer.nnodes x n_gpus_per_node GPUs;
- RayPPOTrainer.__init__ checks: rollout_batch_size divisible by worker.actor.global_batch_size;
  rollout_batch_size x rollout.n divisible by micro_batch_size_per_device_for_experience; GRPO
  needs rollout.n > 1; the FSDP worker: global_batch_size x n / world > 0 and divisible by
  micro_batch_size_per_device_for_update; the rollout world divisible by tensor_parallel_size;
- the dataset (verl/utils/dataset.py): load_dataset("parquet", data_files=path, split="train");
  prompt_key's text split at "<image>" (one image per placeholder, as the processor requires);
  image paths joined to image_dir and opened; answer_key's value becomes ground_truth as is;
- the reward function loaded from its file (verl/workers/reward/function.py): REWARD_TYPE
  "batch" (default) calls fn(reward_inputs, **reward_function_kwargs) once with a list of
  {"response", "response_length", "ground_truth"}; "sequential" calls it per input; each result
  needs "overall" (the reward); every key is logged as reward/<key>;
- the dataloader drops the last partial batch: len(dataset) // rollout_batch_size steps per epoch
  x total_epochs, or trainer.max_steps;
- loggers: "console" prints `Step N` and the metrics, "file" writes experiment_config.json and
  appends {"step": N, ...metrics unflattened at "/"} to save_checkpoint_path/experiment_log.jsonl;
  checkpoints go to save_checkpoint_path/global_step_N/actor/ with checkpoint_tracker.json,
  every save_freq steps and at the last.
Completions are not generated: they are written from each row's ground truth in five shapes.
"""
import importlib.util
import json
import os
import sys

import datasets
import yaml

import ray
from stand_in.checkpoints import after_step, before_step
from stand_in.grpo import completions_for, open_image

HERE = os.path.dirname(os.path.abspath(__file__))

# Dataclass defaults that the checks below read (verl/trainer/config.py and the worker configs).
DEFAULTS = {
    "data.train_files": "",
    "data.val_files": "",
    "data.prompt_key": "prompt",
    "data.answer_key": "answer",
    "data.image_key": "images",
    "data.image_dir": None,
    "data.rollout_batch_size": 512,
    "data.mini_rollout_batch_size": None,
    "algorithm.adv_estimator": "grpo",
    "worker.actor.global_batch_size": 256,
    "worker.actor.micro_batch_size_per_device_for_update": 4,
    "worker.actor.micro_batch_size_per_device_for_experience": 16,
    "worker.actor.ulysses_size": 1,
    "worker.actor.optim.lr": 1e-6,
    "worker.rollout.n": 1,
    "worker.rollout.tensor_parallel_size": 2,
    "worker.reward.reward_function": None,
    "worker.reward.reward_function_kwargs": {},
    "trainer.total_epochs": 15,
    "trainer.max_steps": None,
    "trainer.project_name": "easy_r1",
    "trainer.experiment_name": "demo",
    "trainer.logger": ["console", "wandb"],
    "trainer.nnodes": 1,
    "trainer.n_gpus_per_node": 8,
    "trainer.save_freq": -1,
    "trainer.save_checkpoint_path": None,
}

SECTION = {"data": "DataConfig", "algorithm": "AlgorithmConfig", "worker": "WorkerConfig", "trainer": "TrainerConfig"}


class ConfigKeyError(Exception):
    pass


def _flatten(tree, prefix=""):
    for key, value in tree.items():
        path = prefix + str(key)
        if isinstance(value, dict) and value:
            yield from _flatten(value, path + ".")
        else:
            yield path, value


# Fields typed dict[str, Any]: OmegaConf takes any keys below them.
DICT_FIELDS = ("worker.actor.model.override_config", "worker.critic.model.override_config", "worker.rollout.val_override_config", "worker.reward.reward_function_kwargs")


def _merge(config, keys, items):
    for key, value in items:
        if key not in keys and not any(key.startswith(d + ".") for d in DICT_FIELDS):
            parent = key.rsplit(".", 1)[0] if "." in key else ""
            raise ConfigKeyError("Key '%s' not in '%s'\n    full_key: %s\n    object_type=%s" % (key.split(".")[-1], SECTION.get(parent.split(".")[0], "PPOConfig"), key, SECTION.get(parent.split(".")[0], "PPOConfig")))
        config[key] = value


def load_config(argv):
    with open(os.path.join(HERE, "config_keys.json")) as f:
        derived = json.load(f)
    keys = set(derived["keys"]) | set(derived["derived"])
    cli = {}
    for arg in argv:
        if "=" not in arg:
            raise ValueError("Input '%s' is not a valid dotlist entry: use key=value" % arg)
        key, raw = arg.split("=", 1)
        cli[key] = yaml.safe_load(raw) if raw != "" else ""
    config = dict(DEFAULTS)
    if "config" in cli:
        with open(cli.pop("config")) as f:
            _merge(config, keys, _flatten(yaml.safe_load(f) or {}))
    _merge(config, keys, cli.items())
    return config


def _abs_path(path, prompt):
    if path is not None:
        if os.path.exists(path):
            return os.path.abspath(path)
        print("%s %s not found." % (prompt, path))
    return None


def post_init(config):
    config["data.image_dir"] = _abs_path(config["data.image_dir"], "Image directory")
    fn = config["worker.reward.reward_function"]
    config["worker.reward.reward_function_name"] = None
    if fn is not None:
        if ":" not in fn:
            config["worker.reward.reward_function_name"] = "main"
        else:
            fn, config["worker.reward.reward_function_name"] = fn.rsplit(":", 1)
        config["worker.reward.reward_function"] = _abs_path(fn, "Reward function")
    if config["trainer.save_checkpoint_path"] is None:
        config["trainer.save_checkpoint_path"] = os.path.join("checkpoints", config["trainer.project_name"], config["trainer.experiment_name"])
    config["trainer.save_checkpoint_path"] = os.path.abspath(config["trainer.save_checkpoint_path"])


def check(config):
    n = config["worker.rollout.n"]
    rollout = config["data.rollout_batch_size"]
    actor = config["worker.actor.global_batch_size"]
    if rollout % actor != 0:
        raise ValueError("Rollout batch size must be divisible by actor global batch size.")
    if (rollout * n) % config["worker.actor.micro_batch_size_per_device_for_experience"] != 0:
        raise ValueError("Rollout batch size * rollout.n must be divisible by actor micro batch size for experience.")
    if config["algorithm.adv_estimator"] in ("grpo", "rloo") and n == 1:
        raise ValueError("GRPO and RLOO algorithm need `config.worker.rollout.n > 1`.")
    world = config["trainer.nnodes"] * config["trainer.n_gpus_per_node"]
    per_device = (actor * n if n > 1 else actor) // (world // config["worker.actor.ulysses_size"])
    if per_device == 0:
        raise ValueError("actor global batch size * ulysses size must be larger than num gpus.")
    if per_device % config["worker.actor.micro_batch_size_per_device_for_update"] != 0:
        raise ValueError("actor global batch size per device must be divisible by the micro batch size.")
    if world % config["worker.rollout.tensor_parallel_size"] != 0:
        raise ValueError("rollout world size %d is not divisible by tp size %d." % (world, config["worker.rollout.tensor_parallel_size"]))
    return world


def load_reward(config):
    path = config["worker.reward.reward_function"]
    if path is None:
        raise ValueError("Reward function is not provided.")
    spec = importlib.util.spec_from_file_location("custom_reward_fn", path)
    module = importlib.util.module_from_spec(spec)
    try:
        sys.modules["custom_reward_fn"] = module
        spec.loader.exec_module(module)
    except Exception as e:
        raise RuntimeError("Failed to load reward function: %s" % e)
    name = config["worker.reward.reward_function_name"]
    if not hasattr(module, name):
        raise AttributeError("Module %s does not have function %s." % (module, name))
    reward_type = getattr(module, "REWARD_TYPE", "batch")
    print("Using reward function `%s` from `%s`." % (name, path))
    print("Reward name: %s, reward type: %s." % (getattr(module, "REWARD_NAME", "unknown"), reward_type))
    fn = getattr(module, name)
    kwargs = config["worker.reward.reward_function_kwargs"] or {}
    if reward_type == "batch":
        return lambda inputs: fn(inputs, **kwargs)
    if reward_type == "sequential":
        return lambda inputs: [fn(i, **kwargs) for i in inputs]
    raise ValueError("Unsupported reward type: %s." % reward_type)


def load_rows(config, key):
    path = config[key]
    split = "train"
    if "@" in path:
        path, split = path.split("@")
    if os.path.isfile(path):
        file_type = os.path.splitext(path)[-1][1:].replace("jsonl", "json")
        return datasets.load_dataset(file_type, data_files=path, split=split)
    raise FileNotFoundError("the stand-in loads local files only; %s is not one" % path)


def example(row, config):
    prompt = row[config["data.prompt_key"]]
    images = row.get(config["data.image_key"])
    if images is None:
        raise KeyError(config["data.image_key"])
    if config["data.image_dir"] is not None and images and isinstance(images[0], str):
        images = [os.path.join(config["data.image_dir"], i) for i in images]
    for image in images:
        open_image(image)
    if prompt.count("<image>") != len(images):
        raise ValueError("Image features and image tokens do not match: tokens: %d, features %d" % (prompt.count("<image>"), len(images)))
    return row[config["data.answer_key"]]


def unflatten(data):
    out = {}
    for key, value in data.items():
        node = out
        parts = key.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _truth_row(ground_truth):
    try:
        value = json.loads(ground_truth) if isinstance(ground_truth, str) else ground_truth
    except ValueError:
        value = ground_truth
    return {"labels": value.get("labels"), "AUs": value.get("AUs")} if isinstance(value, dict) else {"solution": ground_truth}


def save_checkpoint(root, step):
    folder = os.path.join(root, "global_step_%d" % step)
    os.makedirs(os.path.join(folder, "actor"), exist_ok=True)
    with open(os.path.join(folder, "actor", "model_world_size_1_rank_0.pt"), "wb") as f:
        f.write(b"\0" * int(os.environ.get("STANDIN_WEIGHT_BYTES", "64")))
    with open(os.path.join(root, "checkpoint_tracker.json"), "w") as f:
        json.dump({"best_global_step": None, "best_val_reward_score": 0.0, "last_global_step": step, "last_actor_path": os.path.join(folder, "actor")}, f)


def main(argv):
    config = load_config(argv)
    post_init(config)
    if not ray.is_initialized():
        ray.init()
    world = check(config)
    available = ray.available_resources().get("GPU", 0)
    if available < world:
        raise ValueError("Total available GPUs %d is less than total desired GPUs %d." % (available, world))
    reward = load_reward(config)
    train = load_rows(config, "data.train_files")
    load_rows(config, "data.val_files")
    batch = config["data.rollout_batch_size"]
    steps_per_epoch = len(train) // batch
    total = config["trainer.max_steps"] or steps_per_epoch * config["trainer.total_epochs"]
    loggers = config["trainer.logger"]
    loggers = loggers if isinstance(loggers, list) else [loggers]
    root = config["trainer.save_checkpoint_path"]
    log_file = None
    if "file" in loggers:
        os.makedirs(root, exist_ok=True)
        print("Initializing logging file to %s." % root)
        with open(os.path.join(root, "experiment_config.json"), "w") as f:
            json.dump(config, f, indent=2)
        log_file = os.path.join(root, "experiment_log.jsonl")
        open(log_file, "w").close()
    n = config["worker.rollout.n"]
    step = 0
    while step < total:
        start = (step % max(1, steps_per_epoch)) * batch
        before_step(step + 1)
        inputs = []
        for index in range(start, start + batch):
            truth = example(dict(train[index % len(train)]), config)
            for response in completions_for(_truth_row(truth), n):
                inputs.append({"response": response, "response_length": max(1, len(response) // 4), "ground_truth": truth})
        scores = reward(inputs)
        reward_metrics = {}
        for score in scores:
            _ = score["overall"]
            for key, value in score.items():
                reward_metrics.setdefault(key, []).append(value)
        step += 1
        metrics = {"reward/%s" % k: sum(v) / len(v) for k, v in reward_metrics.items()}
        metrics.update({
            "actor/pg_loss": round(0.05 / step, 6),
            "actor/grad_norm": round(1.0 / step, 6),
            "actor/lr": config["worker.actor.optim.lr"],
            "response_length/mean": sum(i["response_length"] for i in inputs) / len(inputs),
        })
        if "console" in loggers:
            print("Step %d\n%s" % (step, json.dumps(unflatten(metrics), indent=2)), flush=True)
        if log_file:
            with open(log_file, "a") as f:
                f.write(json.dumps({"step": step, **unflatten(metrics)}) + "\n")
        if config["trainer.save_freq"] > 0 and (step == total or step % config["trainer.save_freq"] == 0):
            save_checkpoint(root, step)
        after_step()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except ConfigKeyError as err:
        print("omegaconf.errors.ConfigKeyError: %s" % err, file=sys.stderr)
        sys.exit(1)
