import type { RewardSpec } from "../rewards/spec.js";
import { PY_COLUMN_HELPERS, PY_DEBUG_LOG } from "./python-adapters.js";
import { PY_TRAINER_BATCH } from "./trainer-batch.js";
import { renderLauncher } from "./launcher.js";
import { rewardsModule, type PluginFile } from "./module.js";

const ADAPTER = String.raw`

# ---- Facial-R1 fork reward functions: per-record weights column, as the fork's own functions --
def _record_weights(weights, n):
    """The fork's per-record weights (0..10); a missing or non-numeric weight counts as 1.0."""
    return [w if isinstance(w, (int, float)) and not isinstance(w, bool) else 1.0 for w in _column(weights, n)]


def format_reward(completions, weights=None, **kwargs):
    texts = _texts(completions)
    rewards = [r * w for r, w in zip(_batch_format(texts), _record_weights(weights, len(texts)))]
    _log_format(texts)
    return rewards


def accuracy_reward(completions, solution=None, weights=None, **kwargs):
    texts = _texts(completions)
    n = len(texts)
    solutions = _column(solution, n)
    base = _batch_accuracy(texts, _column(kwargs.get("labels"), n), solutions)
    rewards = [r * w for r, w in zip(base, _record_weights(weights, n))]
    _log_accuracy(rewards, texts, solutions, kwargs)
    return rewards


def au_reward(completions, AUs=None, weights=None, beta=None, **kwargs):
    texts = _texts(completions)
    n = len(texts)
    base = _batch_au(texts, _column(AUs, n), _column(kwargs.get("solution"), n), beta)
    return [r * w for r, w in zip(base, _record_weights(weights, n))]


REWARD_FUNCS = {"format": format_reward, "accuracy": accuracy_reward, "au": au_reward}
`;

export function renderFacialR1(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for the Facial-R1 fork of VLM-R1 (RobitsG/Facial-R1).

Same signatures as the fork's own functions: format_reward(completions, weights, **kw),
accuracy_reward(completions, solution, weights, **kw), au_reward(completions, AUs, weights,
beta=1.0, **kw). Each reward is (reward x spec weight) x the record's weight, like the fork's.
The fork's trainer clamps the summed total to [-10, 10] itself. The accuracy reward scores the
emotion label only (accu_reward_method is ignored). Use train_grpo.py next to this file.`;
  return [
    { path: "facial_r1_rewards.py", content: rewardsModule({ target: "facial-r1", spec, docstring, parts: [PY_COLUMN_HELPERS, PY_DEBUG_LOG, PY_TRAINER_BATCH, ADAPTER] }) },
    { path: "train_grpo.py", content: renderLauncher({ target: "facial-r1" }) },
  ];
}
