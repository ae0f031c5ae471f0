import type { RewardSpec } from "../schema/reward-spec.js";
import { PY_COLUMN_HELPERS, PY_DEBUG_LOG } from "./python-adapters.js";
import { PY_TRAINER_BATCH } from "./trainer-batch.js";
import { renderLauncher } from "./launcher.js";
import { rewardsModule, type PluginFile } from "./module.js";

const ADAPTER = String.raw`

# ---- VLM-R1 reward functions: fn(prompts=..., completions=..., **columns) -> list[float] ----
def format_reward(completions, **kwargs):
    """1.0 (x weight) when the completion has the <think>...</think><answer>...</answer> format."""
    texts = _texts(completions)
    rewards = _batch_format(texts)
    _log_format(texts)
    return rewards


def accuracy_reward(completions, solution=None, **kwargs):
    """Emotion label: ground truth from the labels column when present, else from solution."""
    texts = _texts(completions)
    n = len(texts)
    solutions = _column(solution, n)
    rewards = _batch_accuracy(texts, _column(kwargs.get("labels"), n), solutions)
    _log_accuracy(rewards, texts, solutions, kwargs)
    return rewards


def au_reward(completions, AUs=None, **kwargs):
    """AU F-beta mapped to [-1, 1]: ground truth from the AUs column when present, else from solution."""
    texts = _texts(completions)
    n = len(texts)
    return _batch_au(texts, _column(AUs, n), _column(kwargs.get("solution"), n))


REWARD_FUNCS = {"format": format_reward, "accuracy": accuracy_reward, "au": au_reward}
`;

export function renderVlmR1(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for upstream VLM-R1 (src/open_r1/grpo_jsonl.py).

Use train_grpo.py (next to this file) instead of grpo_jsonl.py with
--reward_funcs format accuracy au; it adds REWARD_FUNCS to the trainer's reward_funcs_registry.
Each function returns its reward times the spec's weight, so the trainer's per-completion sum is
the spec's total (the spec's clamp cannot apply here: the trainer sums the functions itself).
A completion that is not text scores 0.0; a missing ground truth scores like an empty one.`;
  return [
    { path: "facial_r1_rewards.py", content: rewardsModule({ target: "vlm-r1", spec, docstring, parts: [PY_COLUMN_HELPERS, PY_DEBUG_LOG, PY_TRAINER_BATCH, ADAPTER] }) },
    { path: "train_grpo.py", content: renderLauncher({ target: "vlm-r1" }) },
  ];
}
