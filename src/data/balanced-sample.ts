import { JsonlWriter, readJsonl } from "./jsonl.js";
import type { Problem } from "../util/errors.js";
import { SeededRandom } from "./seeded-random.js";
import { DEFAULT_SAMPLE_SEED } from "./balanced-sample-defaults.js";
import { refuseEmptyInput } from "./empty-input.js";

export { DEFAULT_SAMPLE_SEED } from "./balanced-sample-defaults.js";

export interface BalancedSampleParams {
  file: string;
  out: string;
  perLabel: number;
  seed?: number;
  onProblem?: (problem: Problem) => void;
  /** Write an empty output when no labelled record was read; otherwise that is an error. */
  allowEmpty?: boolean;
}

export interface BalancedSampleSummary {
  file: string;
  out: string;
  seed: number;
  per_label: number;
  read: number;
  written: number;
  /** Records without a label (labels[0]) are not sampled. */
  unlabeled: number;
  rejected: number;
  labels: Record<string, { seen: number; kept: number }>;
  /** Labels with fewer than `per_label` records: all of them are kept. */
  short: string[];
}

/**
 * Up to `perLabel` records per ground-truth label (labels[0]), chosen uniformly at random by
 * reservoir sampling (one reservoir per label, one SeededRandom stream for the file), written in input order.
 * Memory: the reservoirs only. Deterministic for a given file and seed.
 */
export async function balancedSample(params: BalancedSampleParams): Promise<BalancedSampleSummary> {
  const seed = params.seed ?? DEFAULT_SAMPLE_SEED;
  const random = new SeededRandom(seed);
  const reservoirs = new Map<string, { seen: number; kept: { index: number; text: string }[] }>();
  const summary: BalancedSampleSummary = { file: params.file, out: params.out, seed, per_label: params.perLabel, read: 0, written: 0, unlabeled: 0, rejected: 0, labels: {}, short: [] };
  let index = 0;
  for await (const item of readJsonl(params.file)) {
    summary.read++;
    index++;
    if (item.kind === "unreadable") {
      summary.rejected++;
      params.onProblem?.(item.problem);
      continue;
    }
    const labels = (item.value as { labels?: unknown } | null)?.labels;
    const label = Array.isArray(labels) && typeof labels[0] === "string" && labels[0] !== "" ? labels[0] : undefined;
    if (label === undefined) {
      summary.unlabeled++;
      continue;
    }
    let reservoir = reservoirs.get(label);
    if (!reservoir) reservoirs.set(label, (reservoir = { seen: 0, kept: [] }));
    reservoir.seen++;
    if (reservoir.kept.length < params.perLabel) {
      reservoir.kept.push({ index, text: item.text });
    } else {
      const slot = random.below(reservoir.seen);
      if (slot < params.perLabel) reservoir.kept[slot] = { index, text: item.text };
    }
  }
  refuseEmptyInput({ records: reservoirs.size, read: summary.read, files: [params.file], allowEmpty: params.allowEmpty, what: "labelled record" });
  const chosen = [...reservoirs.values()].flatMap((r) => r.kept).sort((a, b) => a.index - b.index);
  const writer = new JsonlWriter(params.out);
  try {
    for (const { text } of chosen) await writer.writeLine(text);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
  summary.written = chosen.length;
  for (const [label, r] of [...reservoirs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    summary.labels[label] = { seen: r.seen, kept: r.kept.length };
    if (r.kept.length < params.perLabel) summary.short.push(label);
  }
  return summary;
}
