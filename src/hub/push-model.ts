import { readFile, stat } from "node:fs/promises";
import { posix } from "node:path";
import { invalidInput, reasonOf } from "../util/errors.js";
import { likelyLfs } from "./card.js";
import { listCheckpointFiles, type CheckpointFile, type SkippedFile } from "./checkpoint-files.js";
import { readEvalResult, renderModelCard, type EvalResult } from "./model-card.js";
import type { PlannedFile } from "./push-dataset.js";
import type { UploadFile } from "./upload.js";

export interface ModelPushParams {
  repo: string;
  dir: string;
  evalFiles?: string[];
  /** The Hub id of the base model; the card leaves it out when undefined. */
  baseModel?: string;
  license?: string;
  datasets?: string[];
  includeOptimizer?: boolean;
}

export interface ModelPushPlan {
  files: UploadFile[];
  listing: PlannedFile[];
  card: string;
  /** Every file left out, with the reason. */
  skipped: SkippedFile[];
  /** Those of `skipped` that cannot be pushed (a broken link, a link out of the folder, unreadable). */
  unusable: SkippedFile[];
  results: EvalResult[];
}

/** DeepSpeed shards of optimizer state live in `global_step<N>/`; the Trainer writes the rest beside the weights. */
const OPTIMIZER_DIR = /^global_step\d*$/;
const OPTIMIZER_FILE = /^(optimizer|scheduler|rng_state)[^/]*\.(pt|pth|bin)$|^(latest|zero_to_fp32\.py)$/;
const WEIGHT_INDEX = /\.(safetensors|bin)\.index\.json$/;

/** Why a checkpoint file is left out, or undefined to push it. */
function skipReason(path: string, includeOptimizer: boolean): string | undefined {
  const parts = path.split("/");
  if (path === "README.md") return "replaced by the generated model card";
  if (includeOptimizer) return undefined;
  if (parts.slice(0, -1).some((p) => OPTIMIZER_DIR.test(p))) return "optimizer state (--include-optimizer to push it)";
  if (OPTIMIZER_FILE.test(parts[parts.length - 1])) return "optimizer / scheduler / RNG state (--include-optimizer to push it)";
  return undefined;
}

/**
 * Lists a checkpoint folder (weights, config, tokenizer, trainer_state.json, ...), following
 * symbolic links that stay inside it (or inside the blobs/ of a Hugging Face cache snapshot),
 * leaving out optimizer, scheduler and RNG states unless `includeOptimizer`, reads the eval
 * results and renders the model card. A folder whose weights are not all there is refused.
 * No request is made.
 */
export async function planModelPush(params: ModelPushParams): Promise<ModelPushPlan> {
  let info;
  try {
    info = await stat(params.dir);
  } catch (err) {
    throw invalidInput(`cannot read the checkpoint folder: ${reasonOf(err)}`, { file: params.dir });
  }
  if (!info.isDirectory()) throw invalidInput("not a folder; give the checkpoint folder", { file: params.dir });
  const results: EvalResult[] = [];
  for (const file of params.evalFiles ?? []) results.push(await readEvalResult(file));

  const found = await listCheckpointFiles(params.dir);
  const files: CheckpointFile[] = [];
  const listing: PlannedFile[] = [];
  const skipped: SkippedFile[] = [...found.hidden, ...found.unusable];
  for (const file of found.files) {
    const reason = skipReason(file.path, params.includeOptimizer ?? false);
    if (reason) {
      skipped.push({ path: file.path, size: file.size, reason });
      continue;
    }
    files.push(file);
    listing.push({ path: file.path, size: file.size, lfs: likelyLfs(file.path, file.size), kind: "model" });
  }
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
  files.sort(byPath);
  listing.sort(byPath);
  skipped.sort(byPath);
  await checkComplete(params.dir, files, found.unusable);

  const card = await renderModelCard({
    repo: params.repo,
    baseModel: params.baseModel,
    license: params.license,
    datasets: params.datasets,
    results,
    files: files.map((f) => f.path),
  });
  const cardSize = Buffer.byteLength(card);
  listing.unshift({ path: "README.md", size: cardSize, lfs: false, kind: "card" });
  return { files: [{ path: "README.md", size: cardSize, content: card }, ...files], listing, card, skipped, unusable: found.unusable, results };
}

/** A weights file: `*.safetensors`, or a `*.bin` that is neither the Trainer's arguments nor an optimizer state. */
export function isWeights(path: string): boolean {
  const name = posix.basename(path);
  if (name.endsWith(".safetensors")) return true;
  return name.endsWith(".bin") && name !== "training_args.bin" && !OPTIMIZER_FILE.test(name);
}

/**
 * Refuses a folder whose model cannot be loaded from what would be pushed: a weights file or
 * config.json that cannot be pushed (a broken link, a link out of the folder, unreadable), a
 * shard a weight index lists that the folder lacks, no config.json, or no weights at all.
 * One line names every missing file and why.
 */
async function checkComplete(dir: string, pushed: readonly CheckpointFile[], unusable: readonly SkippedFile[]): Promise<void> {
  const paths = new Set(pushed.map((f) => f.path));
  const missing = unusable.filter((s) => isWeights(s.path)).map((s) => `${s.path} (${s.reason})`);
  for (const index of pushed.filter((f) => WEIGHT_INDEX.test(f.path))) {
    for (const shard of await indexedShards(index.localPath)) {
      const path = posix.join(posix.dirname(index.path), shard);
      if (!paths.has(path) && !unusable.some((s) => s.path === path)) missing.push(`${path} (listed in ${index.path}, not in the folder)`);
    }
  }
  if (missing.length > 0) throw invalidInput(`weights missing, nothing pushed: ${missing.join("; ")}`, { file: dir });
  const config = unusable.find((s) => s.path === "config.json");
  if (config) throw invalidInput(`config.json cannot be pushed (${config.reason}), nothing pushed`, { file: dir });
  if (!paths.has("config.json")) throw invalidInput("no config.json: not a transformers checkpoint folder", { file: dir });
  if (![...paths].some(isWeights)) throw invalidInput("no weights (*.safetensors or *.bin) in the checkpoint folder", { file: dir });
}

/** The shard files a weight index (`model.safetensors.index.json`) maps tensors to; none when it is not one. */
async function indexedShards(path: string): Promise<string[]> {
  try {
    const index = JSON.parse(await readFile(path, "utf8")) as { weight_map?: unknown };
    const map = index.weight_map;
    if (map === null || typeof map !== "object") return [];
    return [...new Set(Object.values(map).filter((v): v is string => typeof v === "string"))].sort();
  } catch {
    return [];
  }
}
