import { readJsonlBatches, type JsonlValue } from "../data/jsonl.js";
import type { Problem } from "../util/errors.js";
import { DEFAULT_REWARD_SPEC, type RewardSpec } from "../schema/reward-spec.js";
import { NEUTRAL_SCORES, combine, completionText, scoreComponents, type RewardScores } from "./score.js";

/** One output line: the scores, plus `error` on the neutral line of an input that could not be scored. */
export type ScoredLine = RewardScores & { error?: string };

export interface ScoreFileCounts {
  /** Non-blank input lines. */
  read: number;
  scored: number;
  /** Lines that got the neutral output line (unreadable JSON, not an object, no text completion). */
  invalid: number;
  /** Scored lines whose ground truth was missing or malformed (scored by the documented rules). */
  warned: number;
  /** Sums over the scored lines (not the neutral ones). */
  sums: RewardScores;
}

/** One line of counts and means for the end of a run. */
export function summarizeScoring(counts: ScoreFileCounts, preset: string): string {
  const mean = (x: number) => (counts.scored > 0 ? (x / counts.scored).toFixed(4) : "-");
  const s = counts.sums;
  return (
    `${counts.read} lines: ${counts.scored} scored, ${counts.invalid} invalid (neutral line with "error"), ` +
    `${counts.warned} with fallback ground truth; preset ${preset}; mean format ${mean(s.format)}, ` +
    `accuracy ${mean(s.accuracy)}, au ${mean(s.au)}, total ${mean(s.total)}`
  );
}

/**
 * Scores a JSONL file of `{"completion", "AUs", "labels"}` records (other keys ignored; a
 * `solution` stands in for missing labels/AUs), streaming, one output per non-blank line in
 * order. A line that cannot be scored yields NEUTRAL_SCORES with an `error` and a problem.
 */
export async function scoreFile(params: {
  file: string;
  spec?: RewardSpec;
  /** Called once per read chunk with its lines' scores, in input order. */
  onScores: (lines: ScoredLine[]) => void | Promise<void>;
  onProblem?: (problem: Problem) => void;
}): Promise<ScoreFileCounts> {
  const spec = params.spec ?? DEFAULT_REWARD_SPEC;
  const counts: ScoreFileCounts = { read: 0, scored: 0, invalid: 0, warned: 0, sums: { format: 0, accuracy: 0, au: 0, total: 0 } };
  const report = params.onProblem ?? (() => {});
  for await (const batch of readJsonlBatches(params.file)) {
    const out: ScoredLine[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) out[i] = scoreItem(batch[i], spec, counts, report);
    await params.onScores(out);
  }
  return counts;
}

function scoreItem(item: JsonlValue, spec: RewardSpec, counts: ScoreFileCounts, report: (problem: Problem) => void): ScoredLine {
  counts.read++;
  const problem = problemOf(item);
  if (problem === undefined) {
    const record = (item as { value: Record<string, unknown> }).value;
    if (!looksWellFormed(record)) {
      const warnings = truthWarnings(record);
      if (warnings.length > 0) counts.warned++;
      for (const warning of warnings) report({ file: item.file, line: item.line, severity: "warning", ...warning });
    }
    counts.scored++;
    const scores = combine(scoreComponents(completionText(record.completion)!, record, spec), spec);
    counts.sums.format += scores.format;
    counts.sums.accuracy += scores.accuracy;
    counts.sums.au += scores.au;
    counts.sums.total += scores.total;
    return scores;
  }
  counts.invalid++;
  report(problem);
  return { ...NEUTRAL_SCORES, error: `${problem.file}:${problem.line}: ${problem.field ? `${problem.field}: ` : ""}${problem.message}` };
}

/** Why a line cannot be scored at all, or undefined when it can. */
function problemOf(item: JsonlValue): Problem | undefined {
  if (item.kind === "unreadable") return item.problem;
  const value = item.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { file: item.file, line: item.line, message: "expected a JSON object with completion, AUs and labels" };
  }
  const completion = (value as Record<string, unknown>).completion;
  if (completionText(completion) === undefined) {
    return { file: item.file, line: item.line, field: "completion", message: `expected a string or a message list, got ${describe(completion)}` };
  }
  return undefined;
}

/** One output line; the same text as JSON.stringify, built without the generic serializer. */
export function scoredLineJson(line: ScoredLine): string {
  const base = `{"format":${line.format},"accuracy":${line.accuracy},"au":${line.au},"total":${line.total}`;
  return line.error === undefined ? `${base}}` : `${base},"error":${JSON.stringify(line.error)}}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list that is not a message list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The common case, checked cheaply: labels[0] a string and AUs a list of strings. */
function looksWellFormed(record: Record<string, unknown>): boolean {
  const { labels, AUs } = record;
  if (!Array.isArray(labels) || typeof labels[0] !== "string" || !Array.isArray(AUs)) return false;
  for (let i = 0; i < AUs.length; i++) if (typeof AUs[i] !== "string") return false;
  return true;
}

/** Why the ground truth of a record is scored by a fallback rule, if it is. */
function truthWarnings(record: Record<string, unknown>): { field: string; message: string }[] {
  const { labels, AUs, solution } = record;
  const hasSolution = typeof solution === "string";
  const out: { field: string; message: string }[] = [];
  if (labels === undefined || labels === null) {
    if (!hasSolution) out.push({ field: "labels", message: "missing (and no solution): scored as an empty label (accuracy 0.5)" });
  } else if (!Array.isArray(labels) || typeof labels[0] !== "string") {
    out.push({ field: "labels", message: "expected a list whose first item is a string: scored as an empty label (accuracy 0.5)" });
  }
  if (AUs === undefined || AUs === null) {
    if (!hasSolution) out.push({ field: "AUs", message: "missing (and no solution): scored as no ground-truth AUs (AU reward 0.0)" });
  } else if (!Array.isArray(AUs)) {
    out.push({ field: "AUs", message: "expected a list of strings: scored as no ground-truth AUs (AU reward 0.0)" });
  } else if (AUs.some((a) => typeof a !== "string")) {
    out.push({ field: "AUs", message: "items that are not strings are ignored" });
  }
  return out;
}
