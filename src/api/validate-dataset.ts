import { z } from "zod";
import { validateFiles, type ValidationReport } from "../data/validate.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { ValidationReport };

/** Options of {@link validateDataset}. */
export interface ValidateDatasetOptions extends RunOptions, ProblemOptions {
  /** Facial-R1 JSONL files. */
  files: string[];
  /** Image folder the records' image paths are relative to: every image is checked. */
  images?: string;
  /** Where each rejected line goes, with its file, line and reasons (JSONL). */
  rejects?: string;
  /** With `images`: format, width and height of every good image (JSONL). */
  imageReport?: string;
  /** Write `X.fixed.jsonl` next to each input `X.jsonl`: the valid records with fixable spellings fixed. */
  fix?: boolean;
  /** Any problem, warnings and fixes included, makes `exitCode` 2. */
  strict?: boolean;
}

const Schema = z.strictObject({
  files: z.array(z.string().min(1)).min(1),
  images: z.string().min(1).optional(),
  rejects: z.string().min(1).optional(),
  imageReport: z.string().min(1).optional(),
  fix: z.boolean().optional(),
  strict: z.boolean().optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof Schema>, ValidateDatasetOptions>(true);

/**
 * Checks Facial-R1 JSONL files record by record in constant memory: schema, AU tokens,
 * labels, ids repeated within or across files, and with `images` every image. Every line read
 * is valid or rejected with its reasons; `report.total.read = valid + rejected`.
 */
export async function validateDataset(options: ValidateDatasetOptions): Promise<ValidationReport> {
  const o = parseOptions("validateDataset", Schema, options);
  return runWith(o, () =>
    validateFiles({ files: o.files, imagesDir: o.images, rejectsPath: o.rejects, imageReportPath: o.imageReport, fix: o.fix, strict: o.strict, onProblem: o.onProblem }),
  );
}
