import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { JsonlWriter, rejectsFileOf } from "../jsonl.js";
import { SampleSchema } from "../../schema/sample.js";
import { Progress } from "../../util/progress.js";
import { errorMessage, failure, invalidInput, type Problem } from "../../util/errors.js";
import { ImageJobError, ImageSink } from "./images-out.js";
import type { ConvertOptions, Converter, LinkMode, Outcome } from "./types.js";

export interface ConvertParams {
  converter: Converter;
  options: ConvertOptions;
  out: string;
  imagesOut: string;
  /** Where rejected units go, one JSON line each with the reason (default `<out>.rejects.jsonl`). */
  rejects?: string;
  linkMode?: LinkMode;
  /** Image jobs in flight at once (default 8 per core). */
  concurrency?: number;
  onProblem?: (problem: Problem) => void;
  progress?: boolean;
}

export interface ConvertSummary {
  source: string;
  input: string;
  out: string;
  rejects: string;
  images_out: string;
  read: number;
  converted: number;
  rejected: number;
  dropped: number;
  dropped_by_reason: Record<string, number>;
  missing_images: number;
  images_written: number;
  splits: Record<string, number>;
  seconds: number;
}

/**
 * Runs one converter end to end: records to `out` (atomic, in input order), images to
 * `imagesOut` with bounded concurrency, rejected units with their reason to the rejects file.
 * An image that cannot be produced (missing, undecodable) turns its record into a rejection.
 */
export async function runConversion(params: ConvertParams): Promise<ConvertSummary> {
  const started = Date.now();
  const rejectsPath = params.rejects ?? rejectsFileOf(params.out);
  const paths = [params.options.input, params.out, rejectsPath].map((p) => resolve(p));
  if (new Set(paths).size !== paths.length) throw invalidInput("--input, --out and the rejects file must be three different files");
  const sink = new ImageSink(params.imagesOut, params.linkMode ?? "hardlink");
  const limit = Math.max(1, params.concurrency ?? availableParallelism() * 8);
  const writer = new JsonlWriter(params.out);
  const rejects = new JsonlWriter(rejectsPath);
  const progress = new Progress({ label: `convert ${params.converter.name}`, unit: "records", enabled: params.progress ?? true });
  const summary: ConvertSummary = {
    source: params.converter.name,
    input: params.options.input,
    out: params.out,
    rejects: rejectsPath,
    images_out: params.imagesOut,
    read: 0,
    converted: 0,
    rejected: 0,
    dropped: 0,
    dropped_by_reason: {},
    missing_images: 0,
    images_written: 0,
    splits: {},
    seconds: 0,
  };

  const reject = async (problem: Problem, raw?: string): Promise<void> => {
    summary.rejected++;
    params.onProblem?.(problem);
    await rejects.write({ ...problem, ...(raw !== undefined ? { raw } : {}) });
  };

  const settle = async (outcome: Outcome, job: Promise<void> | undefined): Promise<void> => {
    summary.read++;
    progress.tick();
    if (outcome.kind === "dropped") {
      summary.dropped++;
      summary.dropped_by_reason[outcome.reason] = (summary.dropped_by_reason[outcome.reason] ?? 0) + 1;
      return;
    }
    if (outcome.kind === "rejected") return reject(outcome.problem, outcome.raw);
    const sample = outcome.sample;
    try {
      await job;
    } catch (err) {
      if (err instanceof ImageJobError && err.missing) summary.missing_images++;
      return reject(
        { file: outcome.where?.file ?? params.options.input, line: outcome.where?.line, field: "image", message: `${sample.id}: ${errorMessage(err)}` },
        JSON.stringify(sample),
      );
    }
    const checked = SampleSchema.safeParse(sample);
    if (!checked.success) throw failure(`converter ${params.converter.name} produced an invalid record ${sample.id}: ${checked.error.message}`);
    if (outcome.image) summary.images_written++;
    summary.converted++;
    const split = typeof sample.meta_info?.split === "string" ? sample.meta_info.split : "";
    summary.splits[split] = (summary.splits[split] ?? 0) + 1;
    await writer.write(sample);
  };

  // A FIFO of outcomes whose image jobs run concurrently; records leave in input order.
  const queue: { outcome: Outcome; job?: Promise<void> }[] = [];
  try {
    for await (const outcome of params.converter.convert(params.options)) {
      let job: Promise<void> | undefined;
      if (outcome.kind === "record" && outcome.image) {
        job = sink.run(outcome.image);
        job.catch(() => undefined); // handled when settled, in order
      }
      queue.push({ outcome, job });
      while (queue.length >= limit) {
        const head = queue.shift()!;
        await settle(head.outcome, head.job);
      }
    }
    while (queue.length > 0) {
      const head = queue.shift()!;
      await settle(head.outcome, head.job);
    }
  } catch (err) {
    await Promise.allSettled(queue.map((q) => q.job));
    await sink.close();
    await writer.abort();
    await rejects.abort();
    throw err;
  }
  await sink.close();
  await writer.close();
  await rejects.close();
  progress.finish();
  summary.seconds = (Date.now() - started) / 1000;
  if (summary.read !== summary.converted + summary.rejected + summary.dropped) {
    throw failure(`counts do not add up: read ${summary.read} != converted + rejected + dropped`);
  }
  return summary;
}
