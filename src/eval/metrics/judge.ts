import { z } from "zod";
import { readJsonl } from "../../data/jsonl.js";
import type { Problem } from "../../util/errors.js";
import { FloatList } from "./mean.js";

/** One line of the judge's output: a 1..10 score, or null with an error when judging failed. */
export const JudgementSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]),
  score: z.number().nullable(),
  reason: z.string().optional(),
  error: z.string().optional(),
});

export interface JudgeScores {
  /** Mean 1..10 score over the successful judgements (failures are left out, not counted as 0). */
  mean: number | null;
  scored: number;
  failed: number;
  /** Dataset records without a judgement line. */
  missing: number;
  unknown_ids: number;
  duplicate_ids: number;
  rejected_lines: number;
  /** Successful judgements per integer score 1..10 (fractional scores rounded down). */
  histogram: Record<string, number>;
}

export interface FoldJudgementsParams {
  file: string;
  /** Position of a record in the dataset, or undefined when the id is not in it. */
  recordIndex: (id: string | number) => number | undefined;
  records: number;
  onProblem?: (problem: Problem) => void;
}

function isValidScore(score: number | null): score is number {
  return score !== null && Number.isFinite(score) && score >= 1 && score <= 10;
}

/** Reads the judge's JSONL and summarizes it; the mean is taken in dataset order. */
export async function foldJudgements(params: FoldJudgementsParams): Promise<JudgeScores> {
  const report = params.onProblem ?? (() => {});
  const scores = new Float64Array(params.records).fill(Number.NaN);
  const seen = new Uint8Array(params.records);
  const summary: JudgeScores = { mean: null, scored: 0, failed: 0, missing: 0, unknown_ids: 0, duplicate_ids: 0, rejected_lines: 0, histogram: {} };
  for (let s = 1; s <= 10; s++) summary.histogram[String(s)] = 0;
  for await (const item of readJsonl(params.file)) {
    if (item.kind === "unreadable") {
      summary.rejected_lines++;
      report(item.problem);
      continue;
    }
    const parsed = JudgementSchema.safeParse(item.value);
    if (!parsed.success) {
      summary.rejected_lines++;
      const issue = parsed.error.issues[0];
      report({ file: item.file, line: item.line, field: issue.path.join(".") || undefined, message: issue.message });
      continue;
    }
    const index = params.recordIndex(parsed.data.id);
    if (index === undefined) {
      summary.unknown_ids++;
      report({ file: item.file, line: item.line, field: "id", message: `id ${JSON.stringify(parsed.data.id)} is not in the dataset; not counted` });
      continue;
    }
    if (seen[index]) {
      summary.duplicate_ids++;
      report({ file: item.file, line: item.line, field: "id", message: `duplicate judgement for id ${JSON.stringify(parsed.data.id)}; the first one counts` });
      continue;
    }
    seen[index] = 1;
    const { score, error } = parsed.data;
    if (error === undefined && isValidScore(score)) {
      scores[index] = score;
      summary.scored++;
      summary.histogram[String(Math.floor(score))]++;
    } else {
      summary.failed++;
    }
  }
  const ordered = new FloatList();
  for (let i = 0; i < params.records; i++) {
    if (!seen[i]) summary.missing++;
    if (!Number.isNaN(scores[i])) ordered.push(scores[i]);
  }
  summary.mean = ordered.mean() ?? null;
  return summary;
}
