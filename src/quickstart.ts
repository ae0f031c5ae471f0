import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { failure, type Problem } from "./util/errors.js";
import { validateFiles, type Counts } from "./data/validate.js";
import type { ImageSummary } from "./data/images.js";
import { writeStatsReport } from "./data/stats.js";
import { shardFiles } from "./data/shard.js";
import { planSampleRun } from "./trainer/bundle/plan.js";

/**
 * `facial-r1 quickstart`: the main job on the bundled synthetic sample, end to end as far
 * as the project goes: validate the sample (records and images), write the trainer's
 * frequency map, shard the training file, plan the GRPO run bundle (preflight included).
 * Each step adds its entry to the summary.
 */

export const QUICKSTART_SHARDS = 4;
export const QUICKSTART_SEED = 42;

export interface QuickstartParams {
  out: string;
  onProblem?: (problem: Problem) => void;
}

/** What the quickstart did: each step's counts and where its outputs are (absolute paths). */
export interface QuickstartSummary {
  /** False when sharding rejected a training record or preflight refused the plan. */
  ok: boolean;
  /** The output folder. */
  out: string;
  /** The bundled sample: its folder, its train and test files, its image folder. */
  sample: { dir: string; files: string[]; images: string };
  /** Counts of the validation of both files, and of the images checked. */
  validate: Counts & { images?: Pick<ImageSummary, "checked" | "ok" | "failed"> };
  /** The trainer's frequency map (config.json) and the records counted per file. */
  stats: { path: string; records: Record<string, number> };
  /** The label-stratified shards of the training file. */
  shards: { dir: string; manifest: string; input: string; count: number; records: number; files: string[] };
  /** The GRPO run bundle: its train script, the run's arithmetic, the preflight counts. */
  plan: { dir: string; script: string; trainRecords: number; droppedEmptyAus: number; worldSize: number; optimizerSteps: number; errors: number; warnings: number };
}

/**
 * Where the sample lives: `samples/fea-sample/` at the package root, found relative to this
 * module, so it works from `src/` (tsx) and from `dist/` (installed package) alike.
 */
export function sampleDatasetDir(): string {
  const dir = fileURLToPath(new URL("../samples/fea-sample/", import.meta.url));
  if (!existsSync(join(dir, "train.jsonl"))) {
    throw failure(`the bundled sample dataset is missing (looked in ${dir}); reinstall the package or run scripts/generate-sample.ts`);
  }
  return dir.replace(/\/$/, "");
}

export async function runQuickstart(params: QuickstartParams): Promise<QuickstartSummary> {
  const dir = sampleDatasetDir();
  const out = resolve(params.out);
  const files = [join(dir, "train.jsonl"), join(dir, "test.jsonl")];
  const images = join(dir, "images");

  const report = await validateFiles({ files, imagesDir: images, onProblem: params.onProblem, progress: false });
  if (report.exitCode !== 0) {
    throw failure(`the bundled sample did not validate (${report.total.rejected} of ${report.total.read} records rejected); reinstall the package`);
  }

  const statsPath = join(out, "config.json");
  const stats = await writeStatsReport({ files, out: statsPath, onProblem: params.onProblem, progress: false });

  const shardDir = join(out, "shards");
  const sharded = await shardFiles({
    files: [files[0]],
    out: shardDir,
    shards: QUICKSTART_SHARDS,
    seed: QUICKSTART_SEED,
    stratify: "labels",
    onProblem: params.onProblem,
    progress: false,
  });

  const planDir = join(out, "run-bundle");
  const planned = await planSampleRun({ out: planDir, progress: false, onProblem: params.onProblem });
  const arithmetic = planned.preflight.arithmetic;

  const { read, valid, rejected, warnings, fixed } = report.total;
  return {
    ok: sharded.manifest.rejected === 0 && planned.written,
    out,
    sample: { dir, files, images },
    validate: {
      read,
      valid,
      rejected,
      warnings,
      fixed,
      ...(report.images ? { images: { checked: report.images.checked, ok: report.images.ok, failed: report.images.failed } } : {}),
    },
    stats: { path: statsPath, records: Object.fromEntries(stats.stats.map((s) => [s.key, s.records])) },
    shards: {
      dir: shardDir,
      manifest: sharded.manifestPath,
      input: files[0],
      count: sharded.manifest.shardCount,
      records: sharded.manifest.written,
      files: sharded.manifest.shards.map((s) => join(shardDir, s.file)),
    },
    plan: {
      dir: planDir,
      script: join(planDir, planned.manifest?.scripts.train ?? "grpo.sh"),
      trainRecords: arithmetic.trainRecords,
      droppedEmptyAus: planned.shards.reduce((n, s) => n + s.counts.droppedEmptyAus, 0),
      worldSize: arithmetic.worldSize,
      optimizerSteps: arithmetic.optimizerSteps,
      errors: planned.preflight.errors,
      warnings: planned.preflight.warnings,
    },
  };
}

/** The human summary: what ran, the counts, and where every output is. */
export function describeQuickstart(summary: QuickstartSummary, cwd = process.cwd()): string {
  const show = (path: string) => {
    const rel = relative(cwd, path);
    return rel === "" ? "." : rel.startsWith("..") ? path : rel;
  };
  const v = summary.validate;
  const images = v.images ? `; ${v.images.checked} images checked, ${v.images.failed} failed` : "";
  const dropped = summary.plan.droppedEmptyAus > 0 ? ` (${summary.plan.droppedEmptyAus} with "AUs": [] left out: the fork cannot train on them)` : "";
  const perFile = Object.entries(summary.stats.records)
    .map(([file, n]) => `${file} ${n}`)
    .join(", ");
  return [
    `sample dataset: ${show(summary.sample.dir)} (synthetic records and images, no faces)`,
    `  validate  ${v.read} records read: ${v.valid} valid, ${v.rejected} rejected${images}`,
    `  stats     ${show(summary.stats.path)}  (AU and emotion frequencies per file: ${perFile})`,
    `  shards    ${show(summary.shards.dir)}/  (${summary.shards.count} label-stratified shards of ${summary.shards.records} training records, manifest.json)`,
    `  plan      ${show(summary.plan.dir)}/  (GRPO run bundle for the Facial-R1 fork: ${show(summary.plan.script)}, ${summary.plan.trainRecords} training records${dropped}, world size ${summary.plan.worldSize}, ${summary.plan.optimizerSteps} optimizer steps; preflight ${summary.plan.errors} errors, ${summary.plan.warnings} warnings)`,
    `outputs in ${show(summary.out)}/`,
    `next: facial-r1 launch ${show(summary.plan.dir)} --setup 'export TRAINER_HOME=/path/to/Facial-R1'  (on a machine with GPUs)`,
  ].join("\n");
}
