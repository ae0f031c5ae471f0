import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MetricRow } from "../../trainer-state.js";
import type { PulledRun } from "../types.js";
import { byStep, flattenNumbers, jsonLines, withChartNames } from "../logged-metrics.js";
import { EASYR1_FILE_LOG } from "./launch.js";

/**
 * EasyR1's metric keys (verl/trainer/ray_trainer.py: reward/<key of the reward dicts>;
 * verl/trainer/metrics.py; verl/workers/actor/dp_actor.py; fsdp_workers.py) under the chart names.
 */
const CHART_NAMES = {
  reward: "reward/overall",
  "rewards/format": "reward/format",
  "rewards/accuracy": "reward/accuracy",
  "rewards/au": "reward/au",
  kl: "actor/kl_loss",
  loss: "actor/pg_loss",
  grad_norm: "actor/grad_norm",
  learning_rate: "actor/lr",
  completion_length: "response_length/mean",
};

/**
 * The file logger's lines (verl/utils/logger/logger.py FileLogger, in save_checkpoint_path =
 * OUTPUT_DIR): `{"step": N, ...metrics unflattened at "/"}`; validation keys (val/...) left out.
 */
export function easyr1FileRows(text: string): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const entry of jsonLines(text)) {
    const { step, ...rest } = entry as { step?: unknown };
    if (typeof step !== "number") continue;
    const values = Object.fromEntries(Object.entries(flattenNumbers(rest)).filter(([k]) => !k.startsWith("val/")));
    if (Object.keys(values).length > 0) rows.push(withChartNames(step, values, CHART_NAMES));
  }
  return byStep(rows);
}

export async function easyr1Metrics(pulled: PulledRun): Promise<MetricRow[]> {
  const file = await readFile(join(pulled.outputDir, EASYR1_FILE_LOG), "utf8").catch(() => "");
  return easyr1FileRows(file);
}
