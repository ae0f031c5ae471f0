import { z } from "zod";
import { CONVERTER_NAMES, convertDataset as runConverter, type ConverterName, type ConvertOptions, type ConvertSummary } from "../data/convert/index.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { ConverterName, ConvertOptions, ConvertSummary };

/** Options of {@link convertDataset}. */
export interface ConvertDatasetOptions extends RunOptions, ProblemOptions {
  /** Source dataset: fer2013, rafdb, rafau, affectnet, disfa, bp4d, fea20k. */
  from: ConverterName;
  /** The source's own files and settings (each converter reads some of them; others are an error). */
  source: ConvertOptions;
  /** Facial-R1 JSONL to write. */
  out: string;
  /** Folder the converted images go to. */
  imagesOut: string;
  /** Rejected source units with reasons (default `<out>.rejects.jsonl`). */
  rejects?: string;
  /** How images that need no conversion reach imagesOut. */
  link?: "hardlink" | "symlink" | "copy";
  /** Image jobs in flight. */
  concurrency?: number;
}

const Schema = z.strictObject({
  from: z.enum(CONVERTER_NAMES),
  source: z.custom<ConvertOptions>((v) => typeof v === "object" && v !== null && typeof (v as { input?: unknown }).input === "string", "expected { input: string, ... }"),
  out: z.string().min(1),
  imagesOut: z.string().min(1),
  rejects: z.string().min(1).optional(),
  link: z.enum(["hardlink", "symlink", "copy"]).optional(),
  concurrency: z.number().int().positive().optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof Schema>, ConvertDatasetOptions>(true);

/**
 * Converts one public dataset to Facial-R1 JSONL and images. A source setting the converter
 * does not read is an InvalidInputError, never silently ignored.
 */
export async function convertDataset(options: ConvertDatasetOptions): Promise<ConvertSummary> {
  const o = parseOptions("convertDataset", Schema, options);
  const given = (Object.keys(o.source) as (keyof ConvertOptions)[]).filter((k) => o.source[k] !== undefined);
  return runWith(o, () =>
    runConverter({ from: o.from, options: o.source, given, out: o.out, imagesOut: o.imagesOut, rejects: o.rejects, linkMode: o.link, concurrency: o.concurrency, onProblem: o.onProblem }),
  );
}
