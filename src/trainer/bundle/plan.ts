import { existsSync, renameSync } from "node:fs";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPlugin } from "../../plugins/index.js";
import { renderSftLauncher } from "../../plugins/launcher.js";
import { TRAINER_SOURCES, type TrainerSource } from "../../plugins/trainer-sources.js";
import { BUNDLE_FORMAT, MANIFEST_FILE, writeManifest, type HashedFile, type RunManifest } from "./manifest.js";
import { invalidInput, type Problem } from "../../util/errors.js";
import { makeDirectory, sha256, sha256File } from "../../util/fs.js";
import type { WrittenFile } from "../../util/hashed-writer.js";
import { followLinks } from "../../util/output-target.js";
import { createTemporaryDirectory, releaseTemporary, sweepStaleTemporaries, temporarySibling, trackTemporary } from "../../util/temp-files.js";
import { VERSION } from "../../version.js";
import { accelerateFileName, renderAccelerateConfig } from "../accelerate.js";
import { loadRunConfig, resolveFromConfig, type LoadedRunConfig } from "../config-file.js";
import { DEEPSPEED_STAGES, type TrainerTarget } from "../../schema/run-config.js";
import { deepspeedFileName, renderDeepspeedConfig } from "../deepspeed.js";
import { HARDWARE_PROFILES } from "../hardware.js";
import { preflight, type PreflightReport } from "../preflight.js";
import { FORK_CONFIG_BACKUP, renderEvalScript, renderRestoreConfigScript, renderTrainScript, trainScriptName } from "../scripts.js";
import { SCRIPT_DIR, type ScriptContext } from "../script-prelude.js";
import { lit } from "../../util/shell.js";
import type { VlmR1Trainer } from "../flags.js";
import { targetSpecOf } from "../targets/index.js";
import { BundleData } from "./bundle-data.js";
import type { ShardCounts } from "./shards.js";

export interface PlanParams {
  /** The run config YAML. */
  config: string;
  /** The bundle directory to write (replaced when it holds an earlier bundle). */
  out: string;
  /** Check every image (default true). */
  checkImages?: boolean;
  /** facial-r1 GRPO: leave out records with `"AUs": []` (sets trainer.drop_empty_aus). */
  dropEmptyAus?: boolean;
  progress?: boolean;
  onProblem?: (p: Problem) => void;
}

export interface PlanResult {
  out: string;
  /** False when preflight found errors: nothing was written. */
  written: boolean;
  preflight: PreflightReport;
  manifest?: RunManifest;
  shards: { file: string; counts: ShardCounts }[];
}

/**
 * Plans the bundled sample run (configs/quickstart.yaml over samples/fea-sample) into `out`;
 * what `facial-r1 quickstart` calls to show the trainer side of the workflow.
 */
export async function planSampleRun(params: { out: string; progress?: boolean; onProblem?: (p: Problem) => void }): Promise<PlanResult> {
  const config = fileURLToPath(new URL("../../../configs/quickstart.yaml", import.meta.url));
  return planRun({ config, out: params.out, progress: params.progress, onProblem: params.onProblem });
}

/** The entry script of a GRPO run: the emitted launcher when the plugin ships one. */
type GrpoEntry = "trainer" | "launcher";

/**
 * `facial-r1 plan`: validates the config, runs preflight, and only then writes the bundle into
 * a temporary sibling directory that replaces `out` in one rename.
 */
export async function planRun(params: PlanParams): Promise<PlanResult> {
  const loaded = await loadRunConfig(params.config);
  if (params.dropEmptyAus) loaded.config.trainer.drop_empty_aus = true;
  // Through a symbolic link, the bundle replaces the folder it leads to, and the link stays.
  const out = await followLinks(resolve(params.out));
  await assertWritableTarget(out);
  await sweepStaleTemporaries(out);
  // The data goes into a temporary sibling while preflight reads it; it replaces `out` in one
  // rename once everything is written, and is removed when preflight fails.
  const tmp = temporarySibling(out);
  await makeDirectory(dirname(tmp));
  createTemporaryDirectory(tmp);
  let data: BundleData | undefined;
  try {
    data = await BundleData.create(loaded, tmp);
    const report = await preflight({ loaded, checkImages: params.checkImages, progress: params.progress, onProblem: params.onProblem, observe: data.observe });
    if (!report.ok) {
      await data.abort();
      await rm(tmp, { recursive: true, force: true });
      return { out, written: false, preflight: report, shards: [] };
    }
    const built = await writeBundle({ loaded, dir: tmp, report, data });
    await replaceDirectory(tmp, out);
    return { out, written: true, preflight: report, manifest: built.manifest, shards: built.shards };
  } catch (err) {
    await data?.abort();
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    releaseTemporary(tmp);
  }
}

/** Script context of a bundle: scripts find the bundle next to themselves and data next to the config. */
export async function bundleScriptContext(loaded: LoadedRunConfig, configLabel: string): Promise<ScriptContext> {
  return {
    bundleDirDefault: SCRIPT_DIR,
    dataRootDefault: lit(loaded.baseDir),
    configLabel,
    toolVersion: VERSION,
    modelIsLocal: await isDirectory(resolveFromConfig(loaded, loaded.config.model.path)),
  };
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function writeBundle(params: { loaded: LoadedRunConfig; dir: string; report: PreflightReport; data: BundleData }): Promise<{ manifest: RunManifest; shards: { file: string; counts: ShardCounts }[] }> {
  const { loaded, dir, report, data } = params;
  const config = loaded.config;
  const spec = targetSpecOf(config);
  const ctx = await bundleScriptContext(loaded, basename(loaded.file));

  const pluginFiles = await buildPlugin({ target: config.trainer.target, spec: config.rewards, outDir: join(dir, "plugin") });
  const { shards, frequencies } = await data.finish(report);
  if (frequencies) await writeText(dir, "data/config.json", `${JSON.stringify(frequencies, null, 2)}\n`);
  await writeText(dir, "eval.sh", renderEvalScript(config, ctx), 0o755);

  let scripts: RunManifest["scripts"];
  let notes: string[];
  if (spec) {
    const files = spec.bundleFiles({
      config,
      script: ctx,
      shards: shards.map((s, i) => ({ entry: config.datasets[i], file: s.file, records: s.counts.written })),
      pluginFiles: pluginFiles.map((f) => relative(dir, f).split("\\").join("/")),
      evalFiles: report.files.filter((f) => f.role === "eval").map((f) => `eval/${basename(f.file)}`),
      longestPrompt: Math.max(0, ...report.files.filter((f) => f.role === "train").map((f) => f.promptTokens.max)),
    });
    for (const file of files) await writeText(dir, file.path, file.content, file.mode);
    scripts = { train: spec.trainScript, eval: "eval.sh" };
    notes = [...sharedNotes(shards)];
  } else {
    const written = await writeVlmR1Files({ loaded, dir, ctx, pluginFiles });
    scripts = { ...written.scripts, eval: "eval.sh" };
    notes = [...vlmR1Notes(loaded, written.grpoEntry), ...sharedNotes(shards)];
  }

  const manifest: RunManifest = {
    format: BUNDLE_FORMAT,
    tool: { name: "facial-r1", version: VERSION },
    name: config.name,
    stage: config.stage,
    trainer: config.trainer.target,
    config: config as unknown as Record<string, unknown>,
    config_file: { path: resolve(loaded.file), sha256: sha256(loaded.text), bytes: Buffer.byteLength(loaded.text) },
    inputs: report.files.map((f) => ({ path: f.file, ...data.input(f.role, f.index), role: f.role, records: f.valid, selected: f.role === "train" ? f.selected : undefined })),
    image_folders: report.files.map((f) => ({ path: f.images, images_checked: f.imagesChecked })),
    outputs: await hashTree(dir, data.outputs),
    scripts,
    checked_against: checkedAgainst(config.trainer.target),
    arithmetic: report.arithmetic as unknown as Record<string, unknown>,
    memory: report.memory as unknown as Record<string, unknown> | undefined,
    preflight: { errors: report.errors, warnings: report.warnings, tokens: report.tokens.detail },
    notes,
  };
  await writeManifest(dir, manifest);
  return { manifest, shards };
}

/** The DeepSpeed and accelerate configs, the launchers and the scripts of a VLM-R1 or fork bundle. */
async function writeVlmR1Files(params: { loaded: LoadedRunConfig; dir: string; ctx: ScriptContext; pluginFiles: string[] }): Promise<{ scripts: { train: string; restore_trainer_config?: string }; grpoEntry: GrpoEntry }> {
  const { loaded, dir, ctx, pluginFiles } = params;
  const config = loaded.config;
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  for (const stage of DEEPSPEED_STAGES) await writeText(dir, `deepspeed/${deepspeedFileName(stage)}`, renderDeepspeedConfig(stage));
  await writeText(
    dir,
    `accelerate/${accelerateFileName(config.training.deepspeed)}`,
    renderAccelerateConfig({ stage: config.training.deepspeed, nodes: config.hardware.nodes, gpusPerNode: profile.gpusPerNode }),
  );
  const grpoEntry: GrpoEntry = pluginFiles.some((f) => basename(f) === "train_grpo.py") ? "launcher" : "trainer";
  if (config.stage === "sft" && config.trainer.target === "vlm-r1") await writeText(dir, "plugin/train_sft.py", renderSftLauncher());
  const train = trainScriptName(config);
  await writeText(dir, train, renderTrainScript(config, ctx, { grpoEntry }), 0o755);
  if (config.trainer.target !== "facial-r1") return { scripts: { train }, grpoEntry };
  await writeText(dir, RESTORE_SCRIPT, renderRestoreConfigScript(config, ctx), 0o755);
  return { scripts: { train, restore_trainer_config: RESTORE_SCRIPT }, grpoEntry };
}

const RESTORE_SCRIPT = "restore_trainer_config.sh";

/** The trainer sources the bundle's files were checked against (see plugins/trainer-sources.ts). */
function checkedAgainst(target: TrainerTarget): Record<string, TrainerSource> {
  const spec = targetSpecOf({ trainer: { target } });
  if (spec) return Object.fromEntries(spec.sources.map((name) => [name, TRAINER_SOURCES[name]]));
  return { trainer: TRAINER_SOURCES[target as VlmR1Trainer], trl: TRAINER_SOURCES["trl-0.17"], deepspeed: TRAINER_SOURCES.deepspeed };
}

function vlmR1Notes(loaded: LoadedRunConfig, grpoEntry: GrpoEntry): string[] {
  const config = loaded.config;
  const notes = [
    "Image folders and relative paths resolve against DATA_ROOT (default: the config file's directory); the trainer checkout is TRAINER_HOME.",
    "Upstream VLM-R1 resumes whenever output_dir holds a checkpoint-* directory; the fork never resumes (its check compares a string with True).",
  ];
  if (config.stage !== "sft") {
    notes.push(grpoEntry === "launcher" ? "GRPO runs through plugin/train_grpo.py, which registers the emitted rewards and then runs the trainer's own entry." : "GRPO runs the trainer's own open_r1/grpo_jsonl.py.");
  }
  if (config.trainer.target === "facial-r1") {
    notes.push(`The fork reads open_r1/configs/config.json; the scripts install data/config.json there (the fork's own file is kept as ${FORK_CONFIG_BACKUP}; ${RESTORE_SCRIPT} puts it back).`);
  }
  if (config.stage === "sft" && config.trainer.target === "vlm-r1") notes.push("SFT runs through plugin/train_sft.py: upstream's sft.py builds messages for bounding-box data; the launcher replaces only its dataset class.");
  return notes;
}

function sharedNotes(shards: { file: string; counts: ShardCounts }[]): string[] {
  const notes: string[] = [];
  for (const { file, counts } of shards) {
    if (counts.droppedEmptyAus > 0) notes.push(`${counts.droppedEmptyAus} record(s) with "AUs": [] were left out of ${file} (trainer.drop_empty_aus): the fork's data preparation fails on them.`);
  }
  return notes;
}

async function writeText(dir: string, rel: string, text: string, mode?: number): Promise<void> {
  const path = join(dir, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, mode === undefined ? undefined : { mode });
}

async function hashed(path: string, label: string): Promise<HashedFile> {
  const info = await stat(path);
  return { path: label, sha256: await sha256File(path), bytes: info.size };
}

/** Every file under dir (but the manifest), sorted, with its hash; files in `known` were hashed as they were written. */
export async function hashTree(dir: string, known: ReadonlyMap<string, WrittenFile> = new Map()): Promise<HashedFile[]> {
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const paths = entries.map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/")).filter((p) => p !== MANIFEST_FILE).sort();
  const out: HashedFile[] = [];
  for (const p of paths) {
    const written = known.get(p);
    out.push(written ? { path: p, sha256: written.sha256, bytes: written.bytes } : await hashed(join(dir, p), p));
  }
  return out;
}

async function assertWritableTarget(out: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(out);
    if (!info.isDirectory()) throw invalidInput("exists and is not a directory", { file: out });
    entries = await readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw invalidInput("exists, is not empty and is not a run bundle (no manifest.json); choose another --out", { file: out });
  }
}

/**
 * Puts the new bundle in place; an earlier bundle at `out` is removed only after the swap. The
 * two renames run synchronously, so a signal never finds the earlier bundle moved aside with
 * the new one not yet in place (its cleanup would remove both).
 */
async function replaceDirectory(tmp: string, out: string): Promise<void> {
  const old = existsSync(out) ? temporarySibling(out) : undefined;
  if (old) renameSync(out, old);
  try {
    renameSync(tmp, out);
  } catch (err) {
    if (old) renameSync(old, out);
    throw err;
  }
  releaseTemporary(tmp);
  if (old) {
    trackTemporary(old);
    await rm(old, { recursive: true, force: true });
    releaseTemporary(old);
  }
}
