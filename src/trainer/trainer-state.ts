import { z } from "zod";
import { invalidInput } from "../util/errors.js";

/** The parts of HF Trainer's trainer_state.json that facial-r1 reads. */
export const TrainerStateSchema = z.looseObject({
  global_step: z.number(),
  max_steps: z.number().optional(),
  epoch: z.number().nullable().optional(),
  num_train_epochs: z.number().optional(),
  log_history: z.array(z.record(z.string(), z.unknown())),
  best_metric: z.number().nullable().optional(),
  best_model_checkpoint: z.string().nullable().optional(),
});
export type TrainerState = z.infer<typeof TrainerStateSchema>;

export function parseTrainerState(text: string, file: string): TrainerState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidInput(`not valid JSON: ${(err as Error).message}`, { file });
  }
  const parsed = TrainerStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput(issue.message, { file, field: issue.path.join(".") });
  }
  return parsed.data;
}

/** The per-step training metrics, in the order the columns of metrics.csv use. */
export const METRIC_COLUMNS = [
  "step",
  "epoch",
  "reward",
  "reward_std",
  "kl",
  "loss",
  "grad_norm",
  "learning_rate",
  "completion_length",
  "clip_ratio",
] as const;

export interface MetricRow {
  step: number;
  values: Record<string, number>;
}

/**
 * Training-step entries of log_history as rows: every numeric field, with one
 * `rewards/<fn>` column per reward function. The closing summary entry
 * (train_runtime, train_loss, ...) and evaluation entries are not steps and are left out.
 */
export function metricRows(state: TrainerState): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const entry of state.log_history) {
    if ("train_runtime" in entry || typeof entry.step !== "number") continue;
    if (Object.keys(entry).some((k) => k.startsWith("eval_"))) continue;
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(entry)) if (typeof value === "number") values[key] = value;
    rows.push({ step: entry.step as number, values });
  }
  return rows;
}

/** Column names for a set of rows: the fixed ones first, then each reward function's. */
export function metricColumns(rows: MetricRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row.values)) seen.add(key);
  const fixed = METRIC_COLUMNS.filter((c) => c === "step" || seen.has(c));
  const rewards = [...seen].filter((k) => k.startsWith("rewards/")).sort();
  const others = [...seen].filter((k) => !fixed.includes(k as (typeof METRIC_COLUMNS)[number]) && !k.startsWith("rewards/")).sort();
  return [...fixed, ...rewards, ...others];
}

export function metricsCsv(rows: MetricRow[]): string {
  const columns = metricColumns(rows);
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => (c === "step" ? String(row.step) : row.values[c] === undefined ? "" : String(row.values[c]))).join(","));
  return `${lines.join("\n")}\n`;
}

export function metricsJsonl(rows: MetricRow[]): string {
  return rows.map((r) => JSON.stringify({ ...r.values, step: r.step })).join("\n") + (rows.length ? "\n" : "");
}

/** The last logged value of `metric` at or before `step` (what a checkpoint at that step achieved). */
export function metricAtStep(rows: MetricRow[], metric: string, step: number): number | undefined {
  let value: number | undefined;
  for (const row of rows) if (row.step <= step && row.values[metric] !== undefined) value = row.values[metric];
  return value;
}

/** The closing summary entry of a finished run (train_runtime, train_loss, ...), if any. */
export function trainSummary(state: TrainerState): Record<string, number> | undefined {
  const last = [...state.log_history].reverse().find((e) => "train_runtime" in e);
  if (!last) return undefined;
  return Object.fromEntries(Object.entries(last).filter((e): e is [string, number] => typeof e[1] === "number"));
}
