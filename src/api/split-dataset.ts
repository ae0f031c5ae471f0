import { z } from "zod";
import { splitFiles, type SplitResult } from "../data/split.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { SplitResult };
export { describeSplits } from "../data/partition-report.js";

/** Options of {@link splitDataset}: give exactly one of `ratios` and `folds`. */
export interface SplitDatasetOptions extends RunOptions, ProblemOptions {
  files: string[];
  /** Output folder for train.jsonl / val.jsonl / test.jsonl (or fold-N/) and manifest.json. */
  out: string;
  /** [train, test] or [train, val, test] fractions adding up to 1. */
  ratios?: number[];
  /** k-fold cross-validation instead of ratios. */
  folds?: number;
  /** Dotted field; records sharing its value stay in one split (e.g. `meta_info.subject`). */
  groupBy?: string;
  /** Seed of the random assignment (default 42). */
  seed?: number;
  /** Write empty outputs when no valid record is read (otherwise InvalidInputError, outputs untouched). */
  allowEmpty?: boolean;
}

const Schema = z
  .strictObject({
    files: z.array(z.string().min(1)).min(1),
    out: z.string().min(1),
    ratios: z
      .array(z.number().min(0).max(1))
      .min(2)
      .max(3)
      .refine((r) => Math.abs(r.reduce((a, b) => a + b, 0) - 1) <= 1e-6 && r[0] > 0, { message: "fractions must add up to 1, with a train fraction above 0" })
      .optional(),
    folds: z.number().int().min(2).optional(),
    groupBy: z.string().min(1).optional(),
    seed: z.number().int().nonnegative().default(42),
    allowEmpty: z.boolean().optional(),
    ...RUN_FIELDS,
    ...PROBLEM_FIELDS,
  })
  .refine((o) => (o.ratios === undefined) !== (o.folds === undefined), { message: "give exactly one of ratios or folds" });
sameShape<z.input<typeof Schema>, SplitDatasetOptions>(true);

/** Deterministic train/val/test splits (or k folds) of JSONL files, keeping groups together. */
export async function splitDataset(options: SplitDatasetOptions): Promise<SplitResult> {
  const o = parseOptions("splitDataset", Schema, options);
  return runWith(o, () => splitFiles({ files: o.files, out: o.out, ratios: o.ratios, folds: o.folds, groupBy: o.groupBy, seed: o.seed, allowEmpty: o.allowEmpty, onProblem: o.onProblem }));
}
