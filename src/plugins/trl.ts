import type { RewardSpec } from "../schema/reward-spec.js";
import { PY_COLUMN_HELPERS } from "./python-adapters.js";
import { PY_TRAINER_BATCH } from "./trainer-batch.js";
import { rewardsModule, type PluginFile } from "./module.js";

const ADAPTER = String.raw`

# ---- TRL GRPOTrainer(reward_funcs=REWARD_FUNCS) -------------------------------------------
# Called as fn(prompts=..., completions=..., completion_ids=..., **columns); completions are
# strings (plain datasets) or message lists (conversational; with tools or several turns the
# last assistant message, which carries the final answer, is scored). None = no ground truth.
def format_reward(completions, **kwargs):
    return _batch_format(_texts(completions))


def accuracy_reward(completions, **kwargs):
    texts = _texts(completions)
    n = len(texts)
    return _batch_accuracy(texts, _column(kwargs.get("labels"), n), _column(kwargs.get("solution"), n), none_when_missing=True)


def au_reward(completions, **kwargs):
    texts = _texts(completions)
    n = len(texts)
    return _batch_au(texts, _column(kwargs.get("AUs"), n), _column(kwargs.get("solution"), n), none_when_missing=True)


REWARD_FUNCS = [format_reward, accuracy_reward, au_reward]
`;

export function renderTrl(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for TRL's GRPOTrainer.

    from facial_r1_rewards import REWARD_FUNCS
    trainer = GRPOTrainer(model=..., reward_funcs=REWARD_FUNCS, args=GRPOConfig(...), train_dataset=ds)

The dataset keeps its AUs / labels (or solution) columns. Rewards are already multiplied by the
spec's weights: leave GRPOConfig.reward_weights unset, and keep
multi_objective_aggregation="sum_then_normalize" (the default): "normalize_then_sum" normalises
each function within its group, which cancels the weights baked in here. A reward whose ground
truth column is missing is None (TRL leaves it out); a completion that is not text scores 0.0;
a multi-message completion is scored on its last assistant message.`;
  return [{ path: "facial_r1_rewards.py", content: rewardsModule({ target: "trl", spec, docstring, parts: [PY_COLUMN_HELPERS, PY_TRAINER_BATCH, ADAPTER] }) }];
}
