import { z } from "zod";
import { balancedSample, DEFAULT_SAMPLE_SEED, type BalancedSampleSummary } from "../data/balanced-sample.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export { DEFAULT_SAMPLE_SEED };
/** Result of {@link sampleDataset}: what was read, kept per label and written. */
export type SampleSummary = BalancedSampleSummary;

/** Options of {@link sampleDataset}. */
export interface SampleDatasetOptions extends RunOptions, ProblemOptions {
  /** Facial-R1 JSONL file. */
  file: string;
  /** JSONL to write: the chosen records, in input order. */
  out: string;
  /** At most this many records per label (labels[0]). */
  perLabel: number;
  /** Seed of the random choice (default {@link DEFAULT_SAMPLE_SEED}). */
  seed?: number;
  /** Write an empty output when no labelled record is read (otherwise InvalidInputError, output untouched). */
  allowEmpty?: boolean;
}

const Schema = z.strictObject({
  file: z.string().min(1),
  out: z.string().min(1),
  perLabel: z.number().int().positive(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  allowEmpty: z.boolean().optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof Schema>, SampleDatasetOptions>(true);

/**
 * A label-balanced subset: up to `perLabel` records per label (labels[0]), chosen uniformly
 * at random, deterministic for a file and seed. Records without a label are counted, not
 * sampled; unreadable lines are reported and counted as rejected.
 */
export async function sampleDataset(options: SampleDatasetOptions): Promise<SampleSummary> {
  const o = parseOptions("sampleDataset", Schema, options);
  return runWith(o, () => balancedSample({ file: o.file, out: o.out, perLabel: o.perLabel, seed: o.seed, allowEmpty: o.allowEmpty, onProblem: o.onProblem }));
}
