import type { RewardSpec } from "../schema/reward-spec.js";
import { PY_GROUND_TRUTH, PY_UNIT_SCORE } from "./python-adapters.js";
import { rewardsModule, type PluginFile } from "./module.js";

const ADAPTER = String.raw`

# ---- EasyR1 worker.reward.reward_function ------------------------------------------------
REWARD_TYPE = "batch"


def _one(reward_input):
    if not isinstance(reward_input, dict):
        scores = dict(NEUTRAL_SCORES)
    else:
        aus, labels, solution = _truth_fields(reward_input.get("ground_truth"))
        scores = score(reward_input.get("response"), aus, labels, solution)
    return {"overall": scores["total"], "score": unit_score(scores["total"]), "format": scores["format"], "accuracy": scores["accuracy"], "au": scores["au"]}


def compute_score(reward_inputs, **kwargs):
    """reward_inputs: [{"response", "response_length", "ground_truth"}] -> [{"overall", "score", "format", "accuracy", "au"}]."""
    return [_one(item) for item in reward_inputs]
`;

export function renderEasyR1(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for EasyR1 (worker.reward.reward_function: ./facial_r1_rewards.py:compute_score).

ground_truth is a dict {"AUs": [...], "labels": [...]}, the same as a JSON string, or a plain
answer string. Returns "overall" (the spec's total, used as the reward), "score" (the total
mapped to [0, 1]) and each component. With algorithm.online_filtering, set
algorithm.filter_key=score: groups are kept when their mean filter key lies in
(filter_low, filter_high) = (0.01, 0.99) by default, and "overall" lies on the spec's range
([-1, 3] for facial-r1), so filtering on it would drop every group scoring above 0.99.`;
  return [{ path: "facial_r1_rewards.py", content: rewardsModule({ target: "easyr1", spec, docstring, parts: [PY_GROUND_TRUTH, PY_UNIT_SCORE, ADAPTER] }) }];
}
