import type { Generation } from "./generate.js";
import type { SynthPlan } from "./plan.js";

/**
 * What a synthesis run did. The counts add up:
 * read = written.total + failed + rejected + skipped + over_limit + not_attempted, and
 * written.total = valid_first_try + sum(valid_after_corrections) + invalid.
 */
export interface SynthSummary {
  dataset: string;
  out: string;
  failures_file: string;
  read: number;
  written: {
    total: number;
    valid_first_try: number;
    /** Records that passed after k corrections, keyed by k ("1", "2", ...). */
    valid_after_corrections: Record<string, number>;
    /** No attempt passed: the first output is kept with is_valid false. */
    invalid: number;
  };
  /** Requests that failed after the client's retries, or unusable images: see failures_file. */
  failed: number;
  /** Dataset lines that are not valid records (reported with file:line), repeated ids included. */
  rejected: number;
  /** Records already in the output file (from an earlier run). */
  skipped: number;
  over_limit: number;
  /** Records left when the run stopped early. */
  not_attempted: number;
  /** Generation requests of the records written (first attempts and corrections). */
  requests: number;
  partial_line_discarded: number;
  usage: { prompt_tokens: number; completion_tokens: number };
  aborted?: string;
  /** Batch mode (--batch): records in a batch that is still running (counted in read). */
  in_batch?: number;
  /** Batch mode: the batches of the round in flight when the run ended, or of the last round. */
  batch?: { ids: string[]; status: string; pending: boolean; submitted: boolean; reused: boolean; round: number };
  /** Batch mode: the rounds whose results this run read, with what they cost. */
  rounds?: SynthRound[];
}

/** One batch round: its requests (first attempts and corrections) and what became of them. */
export interface SynthRound {
  round: number;
  batch_ids: string[];
  requests: number;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Records written after this round (valid or, out of corrections, invalid). */
  written: number;
  /** Records whose output failed the check and go to the next round with a correction. */
  to_correct: number;
  /** Error lines, expired requests, replies without content. */
  failed: number;
}

export function newSynthSummary(p: { dataset: string; out: string; failuresFile: string; plan: SynthPlan; partial: number }): SynthSummary {
  return {
    dataset: p.dataset,
    out: p.out,
    failures_file: p.failuresFile,
    read: p.plan.read,
    written: { total: 0, valid_first_try: 0, valid_after_corrections: {}, invalid: 0 },
    failed: 0,
    rejected: p.plan.rejected,
    skipped: p.plan.alreadyDone,
    over_limit: p.plan.overLimit,
    not_attempted: 0,
    requests: 0,
    partial_line_discarded: p.partial,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  };
}

/**
 * A synthesis summary for people, a few lines: where every record read went (the counts add
 * up), how the written ones passed the quality check, the Batch API rounds and what they cost,
 * and what a rerun would do (collect a pending batch, retry failed records).
 */
export function describeSynthSummary(s: SynthSummary): string[] {
  const corrected = Object.entries(s.written.valid_after_corrections)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, n]) => `${n} after ${k} correction${k === "1" ? "" : "s"}`);
  const valid = s.written.valid_first_try + Object.values(s.written.valid_after_corrections).reduce((a, b) => a + b, 0);
  const lines = [
    `synth: read ${s.read} = written ${s.written.total} + failed ${s.failed} + rejected ${s.rejected} + skipped ${s.skipped} (already in ${s.out})` +
      (s.over_limit > 0 ? ` + over --limit ${s.over_limit}` : "") +
      (s.not_attempted > 0 ? ` + not attempted ${s.not_attempted}` : "") +
      (s.in_batch ? ` + in batch ${s.in_batch}` : ""),
    `synth: written ${s.written.total} = valid ${valid} (${[`${s.written.valid_first_try} first try`, ...corrected].join(", ")}) + invalid ${s.written.invalid} (first output kept, is_valid false); ${s.requests} generation requests`,
  ];
  if (s.rounds && s.rounds.length > 0) {
    const sum = (f: (r: SynthRound) => number) => s.rounds!.reduce((a, r) => a + f(r), 0);
    lines.push(
      `synth: batch total: ${s.rounds.length} round${s.rounds.length === 1 ? "" : "s"}, ${sum((r) => r.requests)} requests, ` +
        `${sum((r) => r.usage.prompt_tokens)} prompt + ${sum((r) => r.usage.completion_tokens)} completion tokens (Batch API price)`,
    );
  }
  if (s.batch?.pending) {
    lines.push(`synth: round ${s.batch.round}: batch ${s.batch.ids.join(", ")} ${s.batch.status}; rerun the same command to collect it (nothing is submitted twice)`);
  }
  if (s.failed > 0) lines.push(`synth: ${s.failed} failed records are listed in ${s.failures_file}; rerun to retry them`);
  if (s.rejected > 0) lines.push(`synth: ${s.rejected} dataset lines are not valid records (listed above); run facial-r1 data validate for details`);
  return lines;
}

/** Counts a written record: its requests and tokens, and which kind of written it is. */
export function countWritten(summary: SynthSummary, generation: Pick<Generation, "valid" | "attempts" | "usage">): void {
  summary.requests += generation.attempts;
  summary.usage.prompt_tokens += generation.usage.prompt_tokens;
  summary.usage.completion_tokens += generation.usage.completion_tokens;
  summary.written.total++;
  if (!generation.valid) summary.written.invalid++;
  else if (generation.attempts === 1) summary.written.valid_first_try++;
  else {
    const key = String(generation.attempts - 1);
    summary.written.valid_after_corrections[key] = (summary.written.valid_after_corrections[key] ?? 0) + 1;
  }
}

/** One line for people about a Batch API round of synthesis, once its results are read: its batches, requests, tokens and what became of its records. */
export function describeSynthRound(r: SynthRound): string {
  return (
    `synth: round ${r.round} (${r.batch_ids.join(", ")}): ${r.requests} requests, ${r.usage.prompt_tokens} prompt + ${r.usage.completion_tokens} completion tokens; ` +
    `${r.written} written, ${r.to_correct} to correct, ${r.failed} failed`
  );
}
