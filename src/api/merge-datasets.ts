import { z } from "zod";
import { mergeJsonl, type MergeSummary } from "../data/merge.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { MergeSummary };

/** Options of {@link mergeDatasets}. */
export interface MergeDatasetsOptions extends RunOptions, ProblemOptions {
  /** JSONL files in priority order: the first record of an id wins. */
  files: string[];
  out: string;
  /** Unreadable lines and conflicting duplicates (default `<out>.rejects.jsonl`). */
  rejects?: string;
  /** Write an empty output when no valid record is read (otherwise InvalidInputError). */
  allowEmpty?: boolean;
}

const Schema = z.strictObject({
  files: z.array(z.string().min(1)).min(1),
  out: z.string().min(1),
  rejects: z.string().min(1).optional(),
  allowEmpty: z.boolean().optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof Schema>, MergeDatasetsOptions>(true);

/** One record per id from several JSONL files; conflicting duplicates are reported and kept aside. */
export async function mergeDatasets(options: MergeDatasetsOptions): Promise<MergeSummary> {
  const o = parseOptions("mergeDatasets", Schema, options);
  return runWith(o, () => mergeJsonl({ files: o.files, out: o.out, rejects: o.rejects, allowEmpty: o.allowEmpty, onProblem: o.onProblem }));
}
