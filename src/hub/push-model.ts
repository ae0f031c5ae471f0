import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { invalidInput, reasonOf } from "../util/errors.js";
import { likelyLfs } from "./card.js";
import { DEFAULT_BASE_MODEL, readEvalResult, renderModelCard, type EvalResult } from "./model-card.js";
import type { PlannedFile } from "./push-dataset.js";
import type { UploadFile } from "./upload.js";

export interface ModelPushParams {
  repo: string;
  dir: string;
  evalFiles?: string[];
  baseModel?: string;
  license?: string;
  datasets?: string[];
  includeOptimizer?: boolean;
}

export interface ModelPushPlan {
  files: UploadFile[];
  listing: PlannedFile[];
  card: string;
  skipped: { path: string; size: number; reason: string }[];
  results: EvalResult[];
}

/** DeepSpeed shards of optimizer state live in `global_step<N>/`; the Trainer writes the rest beside the weights. */
const OPTIMIZER_DIR = /^global_step\d*$/;
const OPTIMIZER_FILE = /^(optimizer|scheduler|rng_state)[^/]*\.(pt|pth|bin)$|^(latest|zero_to_fp32\.py)$/;

/** Why a checkpoint file is left out, or undefined to push it. */
function skipReason(path: string, includeOptimizer: boolean): string | undefined {
  const parts = path.split("/");
  if (parts.some((p) => p.startsWith("."))) return "hidden";
  if (path === "README.md") return "replaced by the generated model card";
  if (includeOptimizer) return undefined;
  if (parts.slice(0, -1).some((p) => OPTIMIZER_DIR.test(p))) return "optimizer state (--include-optimizer to push it)";
  if (OPTIMIZER_FILE.test(parts[parts.length - 1])) return "optimizer / scheduler / RNG state (--include-optimizer to push it)";
  return undefined;
}

/**
 * Lists a checkpoint folder (weights, config, tokenizer, trainer_state.json, ...), leaving
 * out optimizer, scheduler and RNG states unless `includeOptimizer`, reads the eval results
 * and renders the model card. No request is made.
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

  const files: UploadFile[] = [];
  const listing: PlannedFile[] = [];
  const skipped: ModelPushPlan["skipped"] = [];
  const entries = (await readdir(params.dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  for (const entry of entries) {
    const full = join(entry.parentPath, entry.name);
    const path = relative(params.dir, full).split(sep).join("/");
    const size = (await stat(full)).size;
    const reason = skipReason(path, params.includeOptimizer ?? false);
    if (reason) {
      skipped.push({ path, size, reason });
      continue;
    }
    files.push({ path, size, localPath: full });
    listing.push({ path, size, lfs: likelyLfs(path, size), kind: "model" });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  listing.sort((a, b) => (a.path < b.path ? -1 : 1));
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  if (!files.some((f) => f.path === "config.json")) throw invalidInput("no config.json: not a transformers checkpoint folder", { file: params.dir });
  if (!files.some((f) => /\.(safetensors|bin)$/.test(f.path))) throw invalidInput("no weights (*.safetensors or *.bin) in the checkpoint folder", { file: params.dir });

  const card = await renderModelCard({
    repo: params.repo,
    baseModel: params.baseModel ?? DEFAULT_BASE_MODEL,
    license: params.license,
    datasets: params.datasets,
    results,
    files: files.map((f) => f.path),
  });
  const cardSize = Buffer.byteLength(card);
  files.unshift({ path: "README.md", size: cardSize, content: card });
  listing.unshift({ path: "README.md", size: cardSize, lfs: false, kind: "card" });
  return { files, listing, card, skipped, results };
}
