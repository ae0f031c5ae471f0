import type { RewardSpec } from "../schema/reward-spec.js";
import { PY_COLUMN_HELPERS, PY_DEBUG_LOG } from "./python-adapters.js";
import { PY_TRAINER_BATCH } from "./trainer-batch.js";
import { renderLauncher } from "./launcher.js";
import { rewardsModule, type PluginFile } from "./module.js";

const ADAPTER = String.raw`

# ---- Facial-R1 fork reward functions: the fork's signatures, unweighted by the record -------
# The fork (RobitsG/Facial-R1 at 0b1be9b) applies each record's weight to the loss
# (compute_loss: final_loss * weights), not to the rewards: its functions take the weights
# column and leave it unused. So do these.
def format_reward(completions, weights=None, **kwargs):
    texts = _texts(completions)
    rewards = _batch_format(texts)
    _log_format(texts)
    return rewards


def accuracy_reward(completions, solution=None, weights=None, **kwargs):
    texts = _texts(completions)
    n = len(texts)
    solutions = _column(solution, n)
    rewards = _batch_accuracy(texts, _column(kwargs.get("labels"), n), solutions)
    _log_accuracy(rewards, texts, solutions, kwargs)
    return rewards


def au_reward(completions, AUs=None, weights=None, beta=None, **kwargs):
    texts = _texts(completions)
    n = len(texts)
    return _batch_au(texts, _column(AUs, n), _column(kwargs.get("solution"), n), beta)


REWARD_FUNCS = {"format": format_reward, "accuracy": accuracy_reward, "au": au_reward}
`;

export function renderFacialR1(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for the Facial-R1 fork of VLM-R1 (RobitsG/Facial-R1).

Same signatures as the fork's own functions: format_reward(completions, weights, **kw),
accuracy_reward(completions, solution, weights, **kw), au_reward(completions, AUs, weights,
beta=1.0, **kw). Each reward is the reward x the spec's weight; the record's weight (the
weights column) is NOT applied: the fork applies it to the loss, and its own functions return
unweighted rewards. The fork's trainer clamps the summed total to [-10, 10] itself. The accuracy reward scores the
emotion label only (accu_reward_method is ignored). Use train_grpo.py next to this file.`;
  return [
    { path: "facial_r1_rewards.py", content: rewardsModule({ target: "facial-r1", spec, docstring, parts: [PY_COLUMN_HELPERS, PY_DEBUG_LOG, PY_TRAINER_BATCH, ADAPTER] }) },
    { path: "train_grpo.py", content: renderLauncher({ target: "facial-r1" }) },
  ];
}
