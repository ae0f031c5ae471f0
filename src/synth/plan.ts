import { readJsonl } from "../data/jsonl.js";
import { orderLabelSet } from "../eval/prompt.js";
import { SampleSchema, type Sample } from "../schema/sample.js";
import type { Problem } from "../util/errors.js";
import { schemaProblem } from "../data/record-check.js";

/**
 * First pass over the dataset: every non-blank line ends in exactly one count (rejected,
 * already done, over the limit, or pending), and the file's label set, which every prompt
 * names, is known before the first request.
 */
export interface SynthPlan {
  /** Non-blank lines read. */
  read: number;
  /** Unreadable lines, invalid records, repeated ids (each reported with file:line). */
  rejected: number;
  /** Records whose id is already in the output file. */
  alreadyDone: number;
  /** Valid records after the first `limit`. */
  overLimit: number;
  pending: number;
  /** Line numbers of the pending records. */
  pendingLines: Set<number>;
  labelSet: string[];
}

export interface PlanParams {
  dataset: string;
  done: ReadonlySet<string>;
  limit?: number;
  report: (problem: Problem) => void;
}

export async function planSynthesis(params: PlanParams): Promise<SynthPlan> {
  const plan: SynthPlan = { read: 0, rejected: 0, alreadyDone: 0, overLimit: 0, pending: 0, pendingLines: new Set(), labelSet: [] };
  const seen = new Set<string>();
  const labels = new Set<string>();
  let considered = 0;
  for await (const item of readJsonl(params.dataset)) {
    plan.read++;
    if (item.kind === "unreadable") {
      plan.rejected++;
      params.report(item.problem);
      continue;
    }
    const parsed = SampleSchema.safeParse(item.value);
    if (!parsed.success) {
      plan.rejected++;
      params.report(schemaProblem(parsed.error, item.value, item));
      continue;
    }
    const key = String(parsed.data.id);
    if (seen.has(key)) {
      plan.rejected++;
      params.report({ file: item.file, line: item.line, field: "id", message: `duplicate id "${key}" (the first one is used)` });
      continue;
    }
    seen.add(key);
    for (const label of parsed.data.labels) labels.add(label.trim());
    if (params.limit !== undefined && considered >= params.limit) {
      plan.overLimit++;
      continue;
    }
    considered++;
    if (params.done.has(key)) {
      plan.alreadyDone++;
      continue;
    }
    plan.pending++;
    plan.pendingLines.add(item.line);
  }
  labels.delete("");
  plan.labelSet = orderLabelSet(labels);
  return plan;
}

/** Second pass: the pending records, in file order. */
export async function* pendingRecords(dataset: string, pendingLines: ReadonlySet<number>): AsyncGenerator<Sample> {
  for await (const item of readJsonl(dataset)) {
    if (item.kind !== "value" || !pendingLines.has(item.line)) continue;
    const parsed = SampleSchema.safeParse(item.value);
    if (parsed.success) yield parsed.data;
  }
}
