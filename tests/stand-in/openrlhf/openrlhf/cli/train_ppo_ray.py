"""Stand-in for `python3 -m openrlhf.cli.train_ppo_ray` (OpenRLHF/OpenRLHF@3c3be6234e0c,
openrlhf/cli/train_ppo_ray.py, openrlhf/datasets/{utils,prompts_dataset}.py,
openrlhf/trainer/ppo_trainer.py, openrlhf/trainer/ray/ppo_actor.py, openrlhf/utils/deepspeed/
deepspeed.py), without Ray, vLLM or a model. What it keeps:

- the parser: argparse with every option of the real one (flags.json, read from the source by
  tests/targets/openrlhf_flags.py), so an unknown option ends in "unrecognized arguments"
  (exit 2); dotted names become nested namespaces;
- the checks of the __main__ block: group_norm and the other group baselines need
  n_samples_per_prompt > 1; colocate_all needs actor GPUs == vllm engines x tensor parallel;
  the sample-batch count must cover the actor processes; a reward URL or agent for dynamic
  filtering; vllm_generate_batch_size <= rollout batch unless async;
- on a Ray cluster (RAY_ADDRESS, set by the stand-in `ray job submit`), the placement groups
  wait for their GPUs: here, until the nodes that joined the cluster bring enough of them;
- the data: --data.prompt_dataset split on ",", each file loaded with the `datasets` json
  builder, split "train"; each row's input_key (a KeyError when absent), label_key and
  image_key; with --data.apply_chat_template a string input becomes a user message whose
  "<image>" tags are image items, rendered with Qwen2.5-VL's chat template;
- images: opened from the paths as given (relative paths resolve against the working
  directory), every row's images must open, and no prompt may carry more than
  --data.max_images_per_prompt (vLLM's limit_mm_per_prompt); image placeholders and images
  must pair up;
- rewards: the executor's (openrlhf/utils/agent.py) reward_func or HTTP call, one sample per
  call, query = prompt + response + "<|im_end|>"; a missing reward fails the step;
- group_norm advantages, one global step per rollout batch of prompts, max_epochs optimizer
  steps per global step; the "✨ Global step N: {...}" log line with the actor's status keys;
- checkpoints: ckpt.path/_actor/global_stepN (DeepSpeed layout, `latest`), ckpt.path/
  global_stepN_hf with --ckpt.save_hf, rotation to ckpt.max_num, resume with --ckpt.load_enable;
  the final model in ckpt.output_dir.
Completions are written from each row's label in five shapes (stand_in.grpo.completions_for).
Knobs: STANDIN_STEP_SECONDS, STANDIN_FAIL_AT_STEP, STANDIN_WEIGHT_BYTES, STANDIN_RAY_WAIT_SECONDS.
"""
import argparse
import asyncio
import json
import logging
import math
import os
import random
import shutil
import sys
import time
from datetime import datetime
from types import SimpleNamespace

from openrlhf.utils.agent import SingleTurnAgentExecutor
from stand_in.checkpoints import after_step, before_step
from stand_in.grpo import completions_for, open_image

FLAGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flags.json")
TYPES = {"int": int, "float": float, "str": str, None: None}
GROUP_BASELINES = ("rloo", "reinforce_baseline", "group_norm", "dr_grpo")


def build_parser():
    parser = argparse.ArgumentParser()
    with open(FLAGS, encoding="utf-8") as f:
        table = json.load(f)
    for name, spec in table.items():
        if spec["kind"] == "true":
            parser.add_argument("--" + name, dest=spec["dest"], action="store_true", default=spec["default"])
        elif spec["kind"] == "false":
            parser.add_argument("--" + name, dest=spec["dest"], action="store_false")
        else:
            kwargs = {"dest": spec["dest"], "type": TYPES[spec["type"]], "default": spec["default"]}
            if spec["kind"] == "pair":
                kwargs["nargs"] = 2
            elif spec["kind"] == "list":
                kwargs["nargs"] = "*"
            if spec["choices"]:
                kwargs["choices"] = spec["choices"]
            if name == "logger.wandb.run_name":
                kwargs["default"] = datetime.now().strftime(spec["default"])
            parser.add_argument("--" + name, **kwargs)
    return parser


def hierarchize(namespace):
    root = {}
    for key, value in vars(namespace).items():
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def build(x):
        return SimpleNamespace(**{k: build(v) for k, v in x.items()}) if isinstance(x, dict) else x

    return build(root)


def validate(args):
    if args.train.agent_func_path:
        args.reward.remote_url = "agent"
    if args.algo.advantage.estimator != "gae":
        args.critic.model_name_or_path = None
    if args.algo.advantage.estimator in GROUP_BASELINES:
        assert args.rollout.n_samples_per_prompt > 1, "%s requires n_samples_per_prompt > 1" % args.algo.advantage.estimator
    if args.data.max_images_per_prompt > 0:
        assert args.critic.model_name_or_path is None, "VLM training does not support critic model."
        assert not args.ds.packing_samples, "VLM training does not support --packing_samples."
    if args.reward.remote_url:
        args.reward.remote_url = args.reward.remote_url.split(",")
    if args.ds.packing_samples:
        assert args.vllm.num_engines and args.vllm.num_engines > 0, "Only support `--packing_samples` with vLLM."
    if args.train.partial_rollout_enable:
        assert args.train.async_enable, "--train.partial_rollout_enable requires --train.async_enable."
    if not args.rollout.vllm_generate_batch_size:
        args.rollout.vllm_generate_batch_size = args.rollout.batch_size
    if args.rollout.vllm_generate_batch_size > args.rollout.batch_size:
        assert args.train.async_enable, "--rollout.vllm_generate_batch_size > --rollout.batch_size requires --train.async_enable"
    if args.algo.dynamic_filtering_enable:
        assert args.reward.remote_url or args.train.agent_func_path, "remote_rm_url or agent_func_path must be specified when using dynamic filtering"
        assert args.rollout.n_samples_per_prompt > 1, "n_samples_per_prompt must be greater than 1 when using dynamic filtering"
    actors = args.actor.num_nodes * args.actor.num_gpus_per_node
    assert (
        args.rollout.n_samples_per_prompt * args.rollout.batch_size // args.rollout.micro_batch_size
        >= actors // args.ds.ring_attn_size // args.ds.tensor_parallel_size
    ), "The number of sample batches must be greater than or equal to the effective number of actor processes."
    # train(): placement of the vLLM engines next to the actor
    if args.vllm.num_engines and args.train.colocate_all and not args.train.async_enable:
        assert actors == args.vllm.num_engines * args.vllm.tensor_parallel_size, (
            "actor_num_nodes * actor_num_gpus_per_node must be equal to vllm_num_engines * vllm_tensor_parallel_size, "
            "got %d and %d" % (actors, args.vllm.num_engines * args.vllm.tensor_parallel_size)
        )
    if args.algo.kl.init_coef > 0 and (args.train.colocate_actor_ref or args.train.colocate_all):
        assert args.actor.num_nodes == args.ref.num_nodes and args.actor.num_gpus_per_node == args.ref.num_gpus_per_node, (
            "num_nodes and num_gpus_per_node must be the same when colocate actor and ref model."
        )


def gpus_needed(args):
    actors = args.actor.num_nodes * args.actor.num_gpus_per_node
    engines = (args.vllm.num_engines or 0) * args.vllm.tensor_parallel_size
    ref = 0
    if args.algo.kl.init_coef > 0 and not (args.train.colocate_actor_ref or args.train.colocate_all):
        ref = args.ref.num_nodes * args.ref.num_gpus_per_node
    return actors + ref + (0 if args.train.colocate_all else engines)


def wait_for_cluster(args):
    """ray.get(pg.ready()): blocks until the cluster has the GPUs (here: with a time limit)."""
    address = os.environ.get("RAY_ADDRESS")
    if not address:
        return  # ray.init() starts a local instance with this machine's GPUs
    state_file = os.path.join(os.environ.get("STANDIN_RAY_DIR", "/tmp/facial-r1-standin-ray"), "cluster-%s.json" % address.rsplit(":", 1)[-1])
    need = gpus_needed(args)
    deadline = time.time() + float(os.environ.get("STANDIN_RAY_WAIT_SECONDS", "120"))
    while True:
        with open(state_file, encoding="utf-8") as f:
            have = sum(n["gpus"] for n in json.load(f)["nodes"])
        if have >= need:
            print("stand-in ray: placement groups ready (%d of %d GPUs)" % (need, have), flush=True)
            return
        if time.time() > deadline:
            raise SystemExit("stand-in ray: placement group of %d GPUs never became ready (cluster has %d)" % (need, have))
        time.sleep(1)


def content_list(text):
    if "<image>" not in text:
        return text
    content = []
    for i, part in enumerate(text.split("<image>")):
        if i > 0:
            content.append({"type": "image"})
        if part.strip():
            content.append({"type": "text", "text": part.strip()})
    return content


def chat_template(messages):
    """Qwen2.5-VL's template, add_generation_prompt=True (default system message)."""
    out = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    for message in messages:
        content = message["content"]
        if isinstance(content, list):
            content = "".join(
                "<|vision_start|><|image_pad|><|vision_end|>" if item.get("type") == "image" else item.get("text", "") for item in content
            )
        out += "<|im_start|>%s\n%s<|im_end|>\n" % (message["role"], content)
    return out + "<|im_start|>assistant\n"


def load_prompts(args):
    import datasets

    parts = []
    for name in args.data.prompt_dataset.split(","):
        name = name.strip().split("@")[0].strip()
        ext = os.path.splitext(name)[-1].lower()
        if ext not in (".json", ".jsonl", ".csv", ".parquet", ".arrow"):
            raise SystemExit("stand-in: only local data files are modelled, got %r" % name)
        builder = {"jsonl": "json"}.get(ext.strip("."), ext.strip("."))
        data = datasets.load_dataset(builder, data_files=name)
        if args.data.prompt_split in data:
            data = data[args.data.prompt_split]
        parts.append(data.select(range(min(args.data.max_samples, len(data)))))
    rows = datasets.concatenate_datasets(parts)
    prompts = []
    for row in rows:
        if args.data.apply_chat_template:
            chat = row[args.data.input_key]
            if isinstance(chat, str):
                chat = [{"role": "user", "content": content_list(chat)}]
            prompt = chat_template(chat)
        else:
            prompt = row[args.data.input_key]
            if args.data.input_template:
                prompt = args.data.input_template.format(prompt)
        label = "" if args.data.label_key is None else row[args.data.label_key]
        prompts.append({"prompt": prompt, "label": label, "images": row.get(args.data.image_key), "datasource": row.get("datasource", "default")})
    return prompts


def check_images(args, item):
    images = item["images"]
    if images is None:
        images = []
    elif not isinstance(images, list):
        images = [images]
    if not images:
        return
    opened = 0
    for path in images:
        try:
            open_image(path)
            opened += 1
        except Exception as err:
            print("WARNING vlm_utils.py] Failed to load image %r: %s" % (path, err), flush=True)
    if opened == 0:
        raise ValueError("All images failed to load (%r).  The prompt likely contains image placeholder tokens that require pixel_values." % (images,))
    if len(images) > args.data.max_images_per_prompt:
        raise ValueError("At most %d image(s) may be provided in one prompt, got %d" % (args.data.max_images_per_prompt, len(images)))
    if item["prompt"].count("<|image_pad|>") != len(images):
        raise ValueError("%d image placeholder(s) in the prompt for %d image(s)" % (item["prompt"].count("<|image_pad|>"), len(images)))


def truth_of(label):
    if isinstance(label, str) and label.strip().startswith("{"):
        return json.loads(label)
    if isinstance(label, list):
        return {"labels": label}
    return {"labels": [label]}


def log_step(step, status):
    stamp = datetime.now().strftime("%m-%d %H:%M:%S")
    print("(PPOTrainer pid=%d) INFO %s ppo_trainer.py:587] \u2728 Global step %d: %s" % (os.getpid(), stamp, step, status), flush=True)


def weights(path):
    with open(path, "wb") as f:
        f.write(os.urandom(int(os.environ.get("STANDIN_WEIGHT_BYTES", "4096"))))


def save_hf(folder):
    os.makedirs(folder, exist_ok=True)
    weights(os.path.join(folder, "model.safetensors"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"model_type": "qwen2_5_vl", "stand_in": True}, f)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"stand_in": True}, f)


def save_checkpoint(args, step, client_states):
    actor = os.path.join(args.ckpt.path, "_actor")
    tag = "global_step%d" % step
    if not args.ckpt.disable_ds:
        os.makedirs(actor, exist_ok=True)
        regular = sorted((d for d in os.listdir(actor) if os.path.isdir(os.path.join(actor, d)) and not d.startswith("best")), key=lambda d: os.path.getmtime(os.path.join(actor, d)))
        while len(regular) - args.ckpt.max_num + 1 > 0:
            shutil.rmtree(os.path.join(actor, regular.pop(0)))
        folder = os.path.join(actor, tag)
        os.makedirs(folder, exist_ok=True)
        weights(os.path.join(folder, "mp_rank_00_model_states.pt"))
        with open(os.path.join(folder, "client_states.json"), "w") as f:
            json.dump(client_states, f)
        with open(os.path.join(actor, "latest"), "w") as f:
            f.write(tag)
    if args.ckpt.save_hf:
        save_hf(os.path.join(args.ckpt.path, tag + "_hf"))


def resume_state(args):
    actor = os.path.join(args.ckpt.path, "_actor")
    if not (args.ckpt.load_enable and os.path.exists(actor)):
        return {"episode": 0, "global_step": 0}
    with open(os.path.join(actor, "latest")) as f:
        tag = f.read().strip()
    with open(os.path.join(actor, tag, "client_states.json")) as f:
        states = json.load(f)
    print("INFO ppo_trainer.py] checkpoint_states: %s" % states, flush=True)
    return states


async def rollout(executor, args, batch):
    samples = []
    for item in batch:
        check_images(args, item)
        for completion in completions_for(truth_of(item["label"]), args.rollout.n_samples_per_prompt):
            query = item["prompt"] + completion + "<|im_end|>"
            samples.append((completion, executor.reward(query, item["prompt"], item["label"])))
    results = await asyncio.gather(*(call for _, call in samples))
    return [(completion, result) for (completion, _), result in zip(samples, results)]


def mean(values):
    return sum(values) / len(values) if values else 0.0


def status_of(args, step, results, lr):
    rewards = [r[1][0] for r in results]
    if any(r is None for r in rewards):
        raise RuntimeError("torch.cat(): a rollout sample has no reward (the reward function failed; see the [info] lines above)")
    n = args.rollout.n_samples_per_prompt
    advantages = []
    for g in range(0, len(rewards), n):
        group = rewards[g : g + n]
        m, sd = mean(group), (sum((x - mean(group)) ** 2 for x in group) / max(len(group) - 1, 1)) ** 0.5
        advantages += [(x - m) / (sd + 1e-9) for x in group]
    lengths = [max(1, len(c) // 4) for c, _ in results]
    status = {
        "policy_loss": -mean(advantages) * 0.01 + 0.001 / step,
        "actor_lr": lr,
        "actor_grad_norm": 0.5 / step,
        "reward": mean(rewards),
        "score": mean([r[1][1] for r in results]),
        "response_length": mean(lengths),
        "total_length": mean(lengths) + 100.0,
        "response_clip_ratio": 0.0,
        "truncated": 0.0,
        "return": mean(rewards),
        "ppo_clip_ratio": 0.0,
        "ppo_kl": 0.0,
        "kl": 0.0 if args.algo.kl.init_coef == 0 else 0.001 * step,
        "logprobs_diff": 0.0,
    }
    for key in results[0][1][2]:
        status[key] = mean([float(r[1][2][key]) for r in results])
    std = (sum((x - mean(rewards)) ** 2 for x in rewards) / max(len(rewards) - 1, 1)) ** 0.5
    status.update({"timing/make_experience": 0.01, "timing/ppo_train": 0.01, "timing/broadcast": 0.0})
    status.update({"rollout/reward_mean": mean(rewards), "rollout/reward_std": std, "rollout/response_length_mean": mean(lengths), "rollout/truncated_rate": 0.0, "rollout/num_samples": float(len(rewards))})
    status["timing/generation"] = 0.01
    status["timing/step_total"] = sum(v for k, v in status.items() if k.startswith("timing/"))
    return status


def train(args):
    logging.basicConfig(level=logging.INFO)
    wait_for_cluster(args)
    prompts = load_prompts(args)
    max_steps = len(prompts) * args.rollout.n_samples_per_prompt // args.train.batch_size * args.train.num_episodes * args.train.max_epochs
    print("INFO ppo_trainer.py] prompts %d, max_steps %d" % (len(prompts), max_steps), flush=True)
    executor = SingleTurnAgentExecutor(args.reward.remote_url)
    states = resume_state(args)
    step = states["global_step"]
    save_steps = float("inf") if args.ckpt.save_steps == -1 else args.ckpt.save_steps
    order = list(range(len(prompts)))
    for episode in range(states["episode"], args.train.num_episodes):
        random.Random(args.train.seed + episode).shuffle(order)
        batches = [order[i : i + args.rollout.batch_size] for i in range(0, len(order), args.rollout.batch_size)]
        done_in_episode = step - episode * len(batches) if step else 0
        for index in batches[max(done_in_episode, 0) :]:
            before_step(step + 1)
            results = asyncio.run(rollout(executor, args, [prompts[i] for i in index]))
            lr = args.actor.adam.lr * min(1.0, (step + 1) / max(1, math.ceil(max_steps * args.actor.lr_warmup_ratio)))
            status = status_of(args, step + 1, results, lr)
            step += 1
            log_step(step, status)
            if step % save_steps == 0:
                save_checkpoint(args, step, {"episode": episode, "global_step": step})
            after_step()
    save_hf(args.ckpt.output_dir)
    print("INFO ppo_actor.py] saved the model to %s" % args.ckpt.output_dir, flush=True)


if __name__ == "__main__":
    parsed = hierarchize(build_parser().parse_args())
    validate(parsed)
    train(parsed)
