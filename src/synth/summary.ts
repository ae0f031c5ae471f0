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

/** Human summary lines (stderr). */
export function describeSynthSummary(s: SynthSummary): string[] {
  const corrected = Object.entries(s.written.valid_after_corrections)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, n]) => `${n} after ${k} correction${k === "1" ? "" : "s"}`);
  const valid = s.written.valid_first_try + Object.values(s.written.valid_after_corrections).reduce((a, b) => a + b, 0);
  const lines = [
    `synth: read ${s.read} = written ${s.written.total} + failed ${s.failed} + rejected ${s.rejected} + skipped ${s.skipped} (already in ${s.out})` +
      (s.over_limit > 0 ? ` + over --limit ${s.over_limit}` : "") +
      (s.not_attempted > 0 ? ` + not attempted ${s.not_attempted}` : ""),
    `synth: written ${s.written.total} = valid ${valid} (${[`${s.written.valid_first_try} first try`, ...corrected].join(", ")}) + invalid ${s.written.invalid} (first output kept, is_valid false); ${s.requests} generation requests`,
  ];
  if (s.failed > 0) lines.push(`synth: ${s.failed} failed records are listed in ${s.failures_file}; rerun to retry them`);
  if (s.rejected > 0) lines.push(`synth: ${s.rejected} dataset lines are not valid records (listed above); run facial-r1 data validate for details`);
  return lines;
}
