"""Stand-in for verl's prime reward manager calling a custom compute_score
(volcengine/verl@b178a3cd56f5, verl/workers/reward_manager/prime.py and
verl/trainer/ppo/reward.py): the function is called positionally as
fn(data_source, solution_str, ground_truth, extra_info); a failing row scores None -> 0.0;
a number becomes float(result), anything else float(result[0]); an exception there (a dict
has no key 0) fails the whole batch, which the manager then scores all 0.0.

    python3 verl_prime.py PLUGIN.py FUNCTION < rows.jsonl    ({"data_source", "response", "ground_truth"} per line)

Prints the batch's scores as one JSON list.
"""
import importlib.util
import json
import sys
from functools import partial

spec = importlib.util.spec_from_file_location("custom_reward", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
fn = getattr(module, sys.argv[2])
rows = [json.loads(line) for line in sys.stdin if line.strip()]

results = []
for row in rows:
    try:
        results.append(partial(fn, row["data_source"], row["response"], row["ground_truth"], None)())
    except Exception:
        results.append(None)
try:
    scores = []
    for result in results:
        if isinstance(result, Exception) or result is None:
            scores.append(0.0)
        elif isinstance(result, (int, float, bool)):
            scores.append(float(result))
        else:
            scores.append(float(result[0]))
except Exception as err:
    print("[Error] Unexpected error during scoring. Setting all as 0. %s" % err, file=sys.stderr)
    scores = [0.0 for _ in rows]
print(json.dumps(scores))
