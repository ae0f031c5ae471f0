"""Stand-in for how OpenRLHF gets a sample's reward (OpenRLHF/OpenRLHF@3c3be6234e0c,
openrlhf/utils/agent.py SingleTurnAgentExecutor, openrlhf/trainer/ppo_utils/samples_generator.py):

- --remote_rm_url ending in ".py": the file is loaded with
  spec_from_file_location("reward_func", path) and reward_func(queries, prompts, labels) is
  called in a thread with ONE sample (query = prompt + response, special tokens kept);
- otherwise each URL gets a POST with the JSON body {"query", "prompts", "labels"} and NO
  headers (aiohttp session.post(url, json=data)); a failing request is retried 5 times, one
  second apart, then raises, which the executor catches and logs at info level: the reward is
  then None;
- reward = result["rewards"], score = result["scores"] or else the rewards; each becomes
  torch.tensor([value]) in the experience, and a None reward leaves the experience without one,
  which fails when the trainer concatenates the batch's rewards.

    python3 openrlhf_executor.py URL_OR_FILE < samples.jsonl      ({"query", "prompt", "label"} per line)

Prints one JSON line per sample {"reward", "score", "extra_logs"}; exits 3 like the trainer
would when any reward is None. OPENRLHF_RETRY_SECONDS shortens the pause between attempts.
"""
import asyncio
import importlib.util
import json
import os
import sys
import urllib.request

ATTEMPTS = 5


def load_reward_func(path):
    spec = importlib.util.spec_from_file_location("reward_func", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


async def via_func(func, query, prompt, label):
    return (await asyncio.gather(asyncio.to_thread(func, [query], [prompt], [label])))[0]


async def via_http(url, query, prompt, label):
    body = json.dumps({"query": [query], "prompts": [prompt], "labels": [label]}).encode()
    pause = float(os.environ.get("OPENRLHF_RETRY_SECONDS", "1"))
    for _ in range(ATTEMPTS):
        try:
            request = urllib.request.Request(url, data=body, method="POST")
            request.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(request, timeout=180) as response:
                return json.loads(response.read())
        except Exception as err:  # logged at info level by OpenRLHF
            print("[info] Request error, please check: %s" % err, file=sys.stderr)
        await asyncio.sleep(pause)
    raise RuntimeError("Request error for %d times, returning None. Please check the API server." % ATTEMPTS)


def first(value):
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


async def main():
    source = sys.argv[1]
    func = load_reward_func(source) if source.endswith(".py") else None
    missing = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        sample = json.loads(line)
        reward = score = None
        logs = {}
        try:
            info = await (via_func(func, sample["query"], sample["prompt"], sample["label"]) if func else via_http(source, sample["query"], sample["prompt"], sample["label"]))
            if info:
                reward = info.get("rewards")
                score = info.get("scores") if info.get("scores") is not None else reward
                logs = info.get("extra_logs") or {}
        except Exception as err:
            print("[info] [SingleTurnExecutor] Failed to fetch reward from remote RM: %s" % err, file=sys.stderr)
        if reward is None:
            missing += 1
        print(json.dumps({"reward": first(reward), "score": first(score), "extra_logs": {k: first(v) for k, v in logs.items()}}), flush=True)
    if missing:
        print("%d sample(s) have no reward: torch.cat of the batch's rewards fails" % missing, file=sys.stderr)
        sys.exit(3)


asyncio.run(main())
