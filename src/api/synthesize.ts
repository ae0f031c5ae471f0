import { z } from "zod";
import { runBatchSynthesis } from "../synth/batch-run.js";
import { runSynthesis } from "../synth/run.js";
import type { SynthSummary } from "../synth/summary.js";
import { contextSignal } from "../util/run-context.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";
import { clientFor, REMOTE_DATASET_FIELDS, type RemoteDatasetOptions } from "./remote.js";

export type { SynthSummary };

/** Options of {@link synthesize}. */
export interface SynthesizeOptions extends RemoteDatasetOptions, RunOptions, ProblemOptions {
  /** Synthesized JSONL, appended to (a rerun resumes). */
  out: string;
  /** Correction rounds after the first generation (default 5, as the paper). */
  corrections?: number;
  /** Through the Batch API (half price, within 24 h; a rerun resumes from its state file). */
  batch?: boolean;
  /** With `batch`: poll until done (default), or submit / check once. */
  wait?: boolean;
  /** With `batch`: time between status checks (default 30 s). */
  pollIntervalMs?: number;
}

const SynthesizeOptions = z.strictObject({
  out: z.string().min(1),
  corrections: z.number().int().nonnegative().optional(),
  batch: z.boolean().default(false),
  wait: z.boolean().default(true),
  pollIntervalMs: z.number().positive().optional(),
  ...REMOTE_DATASET_FIELDS,
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof SynthesizeOptions>, SynthesizeOptions>(true);

/**
 * Stage 3 of the paper: generation conditioned on each record's ground truth, quality check,
 * self-correction; accepted records are written, the others kept with their reasons
 * (`is_valid: false`). Resumable: a rerun asks only for records not done.
 */
export async function synthesize(options: SynthesizeOptions): Promise<SynthSummary> {
  const o = parseOptions("synthesize", SynthesizeOptions, options);
  return runWith(o, async () => {
    const client = await clientFor(o);
    const run = { dataset: o.dataset, images: o.images, out: o.out, client, model: o.model, variant: o.prompt, retries: o.corrections, limit: o.limit, maxTokens: o.maxTokens, onProblem: o.onProblem };
    if (o.batch) return runBatchSynthesis({ ...run, wait: o.wait, pollIntervalMs: o.pollIntervalMs });
    return runSynthesis({ ...run, concurrency: o.concurrency, signal: contextSignal() });
  });
}
