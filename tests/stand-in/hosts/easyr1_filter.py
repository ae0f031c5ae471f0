"""Stand-in for EasyR1's reward function loading and online filtering (hiyouga/EasyR1@b44b311b669b,
verl/workers/reward/function.py and verl/trainer/ray_trainer.py): the module is loaded from its
file, REWARD_TYPE "batch" (default) gets the list of {"response", "response_length",
"ground_truth"}; every key of every returned dict becomes a metric list; with online filtering
a group (the rollouts of one prompt) is kept when the mean of its filter_key lies strictly
between filter_low (0.01) and filter_high (0.99).

    python3 easyr1_filter.py PLUGIN.py FILTER_KEY < groups.json    ([[{"response", "ground_truth"}, ...], ...])

Prints {"kept": [group indices], "means": [...]}.
"""
import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location("custom_reward_fn", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["custom_reward_fn"] = module
spec.loader.exec_module(module)
fn = getattr(module, "compute_score")
assert getattr(module, "REWARD_TYPE", "batch") == "batch"
groups = json.load(sys.stdin)
means, kept = [], []
for index, group in enumerate(groups):
    inputs = [{"response": r["response"], "response_length": len(r["response"]), "ground_truth": r["ground_truth"]} for r in group]
    metrics = {}
    for score in fn(inputs):
        for key, value in score.items():
            metrics.setdefault(key, []).append(value)
    mean = sum(metrics[sys.argv[2]]) / len(group)
    means.append(mean)
    if 0.01 < mean < 0.99:
        kept.append(index)
print(json.dumps({"kept": kept, "means": means}))
