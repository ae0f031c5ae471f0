"""How OpenRLHF gets a sample's reward (OpenRLHF/OpenRLHF@3c3be6234e0c, openrlhf/utils/agent.py
SingleTurnAgentExecutor, openrlhf/trainer/ppo_utils/samples_generator.py):

- a reward endpoint ending in ".py": the file is loaded with
  spec_from_file_location("reward_func", path) and reward_func(queries, prompts, labels) is
  called in a thread with ONE sample (query = prompt + response, special tokens kept);
- otherwise each URL gets a POST with the JSON body {"query", "prompts", "labels"} and NO
  headers (aiohttp session.post(url, json=data)); a failing request is retried 5 times, one
  second apart, then raises, which the executor catches and logs at info level: the reward is
  then None;
- reward = result["rewards"], score = result["scores"] or else the rewards, extra_logs = the
  result's "extra_logs"; each becomes torch.tensor([value]) in the experience's info, and a None
  reward leaves the experience without one, which fails when the trainer concatenates the
  batch's rewards.
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


class SingleTurnAgentExecutor:
    """The reward half of the executor: one sample in, (reward, score, extra_logs) out."""

    def __init__(self, remote_rm_url):
        endpoints = [remote_rm_url] if isinstance(remote_rm_url, str) else list(remote_rm_url or [])
        self.endpoints = endpoints
        self.reward_func = load_reward_func(endpoints[0]) if endpoints and endpoints[0].endswith(".py") else None

    async def reward(self, query, prompt, label):
        reward = score = None
        logs = {}
        try:
            if self.reward_func:
                info = await via_func(self.reward_func, query, prompt, label)
            else:
                info = await via_http(self.endpoints[0], query, prompt, label)
            if info:
                reward = info.get("rewards")
                score = info.get("scores") if info.get("scores") is not None else reward
                logs = info.get("extra_logs") or {}
        except Exception as err:
            print("[info] [SingleTurnExecutor] Failed to fetch reward from remote RM: %s" % err, file=sys.stderr)
        return first(reward), first(score), {k: first(v) for k, v in logs.items()}
