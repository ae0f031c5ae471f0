import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MetricRow } from "../../trainer-state.js";
import type { PulledRun } from "../types.js";
import { byStep, flattenNumbers, jsonLines, withChartNames } from "../logged-metrics.js";
import { VERL_FILE_LOG } from "./launch.js";

/** verl's metric keys (verl/trainer/ppo/metric_utils.py, workers/actor/dp_actor.py, ray_trainer.py fit) under the chart names. */
const CHART_NAMES = {
  reward: "critic/score/mean",
  kl: "actor/kl_loss",
  loss: "actor/pg_loss",
  grad_norm: "actor/grad_norm",
  learning_rate: "actor/lr",
  completion_length: "response_length/mean",
  clip_ratio: "actor/pg_clipfrac",
  epoch: "training/epoch",
};

/** A number as pprint.pformat prints it: 0.5, 3, nan, or (numpy 2) np.float64(0.5). */
function number(text: string): number | undefined {
  const inner = /^np\.\w+\((.*)\)$/.exec(text)?.[1] ?? text;
  const value = Number(inner);
  return inner.trim() !== "" && Number.isFinite(value) ? value : undefined;
}

/**
 * The console logger's lines (verl/utils/logger/aggregate_logger.py concat_dict_to_str):
 * `step:N - key:value - key:value`, numeric values only.
 */
export function verlConsoleRows(log: string): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const raw of log.split("\n")) {
    const line = raw.trim();
    const at = line.indexOf("step:");
    if (at < 0) continue;
    const parts = line.slice(at).split(" - ");
    const step = Number(parts[0].slice("step:".length));
    if (!Number.isInteger(step)) continue;
    const values: Record<string, number> = {};
    for (const part of parts.slice(1)) {
      const colon = part.lastIndexOf(":");
      if (colon <= 0) continue;
      const value = number(part.slice(colon + 1));
      if (value !== undefined) values[part.slice(0, colon)] = value;
    }
    if (Object.keys(values).length > 0) rows.push({ step, values });
  }
  return rows;
}

/** The file logger's lines (verl/utils/tracking.py FileLogger): `{"step": N, "data": {...}}`. */
export function verlFileRows(text: string): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const entry of jsonLines(text)) {
    const { step, data } = entry as { step?: unknown; data?: unknown };
    if (typeof step === "number") rows.push({ step, values: flattenNumbers(data) });
  }
  return rows;
}

/** Training steps (validation-only entries left out), from the file logger when it was pulled, else the job log. */
export async function verlMetrics(pulled: PulledRun): Promise<MetricRow[]> {
  const file = await readFile(join(pulled.outputDir, VERL_FILE_LOG), "utf8").catch(() => undefined);
  const rows = file !== undefined ? verlFileRows(file) : verlConsoleRows(pulled.jobLog ?? "");
  return byStep(rows)
    .map((r) => ({ step: r.step, values: Object.fromEntries(Object.entries(r.values).filter(([k]) => !k.startsWith("val-"))) }))
    .filter((r) => Object.keys(r.values).length > 0)
    .map((r) => withChartNames(r.step, r.values, CHART_NAMES));
}
