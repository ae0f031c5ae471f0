import { z } from "zod";
import type { BatchInfo } from "../eval/batch.js";
import { runBatchSynthesis } from "../synth/batch-run.js";
import { runSynthesis } from "../synth/run.js";
import type { SynthRound, SynthSummary } from "../synth/summary.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";
import { clientFor, REMOTE_DATASET_FIELDS, runStoppable, type RemoteDatasetOptions } from "./remote.js";

export type { BatchInfo, SynthSummary };
// The summary, its rounds and the Batch API's batches, written out for people.
export { describeBatchReuse, describeBatchStatus } from "../eval/batch.js";
export { describeSynthRound, describeSynthSummary } from "../synth/summary.js";

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
  /** With `batch`: each round, once its results are read (see describeSynthRound). */
  onRound?: (round: SynthRound) => void;
  /** With `batch`: each batch at each status check (see describeBatchStatus). */
  onBatchStatus?: (batch: BatchInfo) => void;
  /** With `batch`: a batch an earlier run submitted and stopped before saving, found and used instead of paying again (see describeBatchReuse). */
  onBatchReuse?: (batch: BatchInfo) => void;
}

const isFunction = (v: unknown): boolean => typeof v === "function";

const SynthesizeOptions = z.strictObject({
  out: z.string().min(1),
  corrections: z.number().int().nonnegative().optional(),
  batch: z.boolean().default(false),
  wait: z.boolean().default(true),
  pollIntervalMs: z.number().positive().optional(),
  onRound: z.custom<(round: SynthRound) => void>(isFunction, "expected a function").optional(),
  onBatchStatus: z.custom<(batch: BatchInfo) => void>(isFunction, "expected a function").optional(),
  onBatchReuse: z.custom<(batch: BatchInfo) => void>(isFunction, "expected a function").optional(),
  ...REMOTE_DATASET_FIELDS,
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof SynthesizeOptions>, SynthesizeOptions>(true);

/**
 * Stage 3 of the paper: generation conditioned on each record's ground truth, quality check,
 * self-correction; accepted records are written, the others kept with their reasons
 * (`is_valid: false`). Resumable: a rerun asks only for records not done. Online, the signal
 * stops new records; those in flight finish and are recorded (`summary.aborted` says why it
 * stopped). With `batch`, any stop is safe: the state file `<out>.batch.json` lets a rerun
 * collect the batches already paid for.
 */
export async function synthesize(options: SynthesizeOptions): Promise<SynthSummary> {
  const o = parseOptions("synthesize", SynthesizeOptions, options);
  const run = async () => {
    const client = await clientFor(o);
    return { dataset: o.dataset, images: o.images, out: o.out, client, model: o.model, variant: o.prompt, retries: o.corrections, limit: o.limit, maxTokens: o.maxTokens, onProblem: o.onProblem };
  };
  if (o.batch) {
    return runWith(o, async () =>
      runBatchSynthesis({ ...(await run()), wait: o.wait, pollIntervalMs: o.pollIntervalMs, onRound: o.onRound, onStatus: o.onBatchStatus, onReuse: o.onBatchReuse }),
    );
  }
  return runStoppable(o, async (signal) => runSynthesis({ ...(await run()), concurrency: o.concurrency, signal }));
}
