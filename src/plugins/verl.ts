import type { RewardSpec } from "../schema/reward-spec.js";
import { PY_COLUMN, PY_GROUND_TRUTH } from "./python-adapters.js";
import { rewardsModule, type PluginFile } from "./module.js";

const ADAPTER = String.raw`

# ---- verl custom_reward_function ---------------------------------------------------------
def _result(scores):
    return {"score": scores["total"], "format": scores["format"], "accuracy": scores["accuracy"], "au": scores["au"]}


def compute_score(data_source=None, solution_str=None, ground_truth=None, extra_info=None, **kwargs):
    """One response: {"score": total, "format", "accuracy", "au"}."""
    aus, labels, solution = _truth_fields(ground_truth, extra_info)
    return _result(score(solution_str, aus, labels, solution))


def compute_score_scalar(data_source=None, solution_str=None, ground_truth=None, extra_info=None, **kwargs):
    """The total alone, a float: for reward_model.reward_manager=prime, which does
    float(result[0]) on anything that is not a number (a dict fails there, and the prime manager
    then sets every score of the batch to 0)."""
    aus, labels, solution = _truth_fields(ground_truth, extra_info)
    return score(solution_str, aus, labels, solution)["total"]


def compute_score_batch(data_sources=None, solution_strs=None, ground_truths=None, extra_infos=None, **kwargs):
    """Batch reward manager form: one result dict per response."""
    responses = list(solution_strs or [])
    n = len(responses)
    truths = _column(ground_truths, n)
    extras = _column(extra_infos, n)
    return [compute_score(None, r, t, e) for r, t, e in zip(responses, truths, extras)]
`;


export function renderVerl(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for verl (custom_reward_function).

ground_truth (reward_model.ground_truth of a row) is a dict {"AUs": [...], "labels": [...]}
(optionally "solution"), the same as a JSON string, or a plain answer string (the label; its AU
tokens stand in for AUs). Missing keys are taken from extra_info when it has them.
compute_score returns {"score": total, "format", "accuracy", "au"} (verl logs the extra keys);
compute_score_batch is the same for reward_manager=batch; compute_score_scalar returns the total
alone, for reward_manager=prime (it needs a number: set custom_reward_function.name to it).`;
  return [{ path: "facial_r1_rewards.py", content: rewardsModule({ target: "verl", spec, docstring, parts: [PY_GROUND_TRUTH, PY_COLUMN, ADAPTER] }) }];
}
