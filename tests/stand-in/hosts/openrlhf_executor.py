"""Stand-in for how OpenRLHF gets a sample's reward: the executor of the OpenRLHF stand-in
(../openrlhf/openrlhf/utils/agent.py, written from OpenRLHF/OpenRLHF@3c3be6234e0c,
openrlhf/utils/agent.py), driven from the command line.

    python3 openrlhf_executor.py URL_OR_FILE < samples.jsonl      ({"query", "prompt", "label"} per line)

Prints one JSON line per sample {"reward", "score", "extra_logs"}; exits 3 like the trainer
would when any reward is None. OPENRLHF_RETRY_SECONDS shortens the pause between attempts.
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "openrlhf"))

from openrlhf.utils.agent import SingleTurnAgentExecutor  # noqa: E402


async def main():
    executor = SingleTurnAgentExecutor(sys.argv[1])
    missing = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        sample = json.loads(line)
        reward, score, logs = await executor.reward(sample["query"], sample["prompt"], sample["label"])
        if reward is None:
            missing += 1
        print(json.dumps({"reward": reward, "score": score, "extra_logs": logs}), flush=True)
    if missing:
        print("%d sample(s) have no reward: torch.cat of the batch's rewards fails" % missing, file=sys.stderr)
        sys.exit(3)


asyncio.run(main())
