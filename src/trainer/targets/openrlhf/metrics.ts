import type { MetricRow } from "../../trainer-state.js";
import type { PulledRun } from "../types.js";
import { numericEntries } from "./python-literal.js";

/**
 * PPOTrainer.fit logs one line per global step (openrlhf/trainer/ppo_trainer.py at
 * 3c3be6234e0c): `logger.info(f"✨ Global step {global_step}: {log_status}")`, the status dict
 * of the actor's ppo_train (policy_loss, actor_lr, actor_grad_norm, and the experience info:
 * reward, kl, response_length, ppo_clip_ratio, the reward file's extra_logs ...), the rollout
 * statistics (rollout/reward_mean ...) and timing/*. Ray prefixes actor output with
 * "(PPOTrainer pid=...)"; the step is the trainer's global step, one per rollout batch.
 */
const STEP_LINE = /Global step (\d+): (\{.*\})\s*$/;
const ANSI = /\u001b\[[0-9;]*m/g;

/** OpenRLHF's names for the metrics every trainer's charts draw. */
const SHARED_NAMES: Record<string, string> = {
  reward: "reward",
  "rollout/reward_std": "reward_std",
  kl: "kl",
  policy_loss: "loss",
  actor_grad_norm: "grad_norm",
  actor_lr: "learning_rate",
  response_length: "completion_length",
  ppo_clip_ratio: "clip_ratio",
  format_reward: "rewards/format",
  accuracy_reward: "rewards/accuracy",
  au_reward: "rewards/au",
};

export function openRlhfMetricRows(log: string): MetricRow[] {
  const byStep = new Map<number, Record<string, number>>();
  for (const raw of log.split(/\r?\n/)) {
    const match = STEP_LINE.exec(raw.replace(ANSI, ""));
    if (!match) continue;
    let entries: Record<string, number>;
    try {
      entries = numericEntries(match[2]);
    } catch {
      continue; // a line cut off by a crash
    }
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(entries)) values[SHARED_NAMES[key] ?? key] = value;
    if (values.reward === undefined && entries["rollout/reward_mean"] !== undefined) values.reward = entries["rollout/reward_mean"];
    // A resumed run logs its steps again: the last line of a step wins.
    byStep.set(Number(match[1]), values);
  }
  return [...byStep.entries()].sort(([a], [b]) => a - b).map(([step, values]) => ({ step, values }));
}

export async function openRlhfMetrics(pulled: PulledRun): Promise<MetricRow[]> {
  return pulled.jobLog ? openRlhfMetricRows(pulled.jobLog) : [];
}
