import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { hubIdOfModelPath } from "../hub/model-id.js";
import { BUNDLE_FORMAT, MANIFEST_FILE } from "../trainer/bundle/manifest.js";

/** What a checkpoint was trained from, as far as its run's manifest tells. */
export interface CheckpointBase {
  /** The Hub id of the base model; undefined when the manifest names a local path that is not one. */
  id?: string;
  /** The run config's `model.path`. */
  modelPath: string;
  /** The manifest it was read from. */
  manifest: string;
}

/** How many folders up a run's manifest may sit (`<bundle>/outputs/<name>/<run>/checkpoint-N`). */
const LEVELS = 5;

/**
 * The base model of a checkpoint folder, from the manifest of the run that wrote it: the run
 * bundle's (a checkpoint under `<bundle>/outputs/...`) or the copy `facial-r1 pull` keeps
 * (`pulled/<run id>/checkpoints/checkpoint-N`). Undefined when no run manifest is found.
 */
export async function baseModelOfCheckpoint(dir: string): Promise<CheckpointBase | undefined> {
  let at = resolve(dir);
  for (let level = 0; level <= LEVELS; level++, at = dirname(at)) {
    const manifest = join(at, MANIFEST_FILE);
    const modelPath = await modelPathIn(manifest);
    if (modelPath !== undefined) return { id: hubIdOfModelPath(modelPath), modelPath, manifest };
    if (dirname(at) === at) break;
  }
  return undefined;
}

async function modelPathIn(manifest: string): Promise<string | undefined> {
  try {
    const value = JSON.parse(await readFile(manifest, "utf8")) as { format?: unknown; config?: { model?: { path?: unknown } } };
    const path = value.format === BUNDLE_FORMAT ? value.config?.model?.path : undefined;
    return typeof path === "string" ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The base model a card names, and a line saying where it came from or why it is unknown. */
export interface ResolvedBase {
  /** The base model's Hub id; undefined when it is unknown. */
  id?: string;
  /** `warning: ...` when the base is unknown; otherwise where it was read. */
  note: string;
}

/** `explicit` (`--base-model`) when given, else the base of the run that wrote the checkpoint in `dir`. */
export async function resolveBaseModel(dir: string, explicit?: string): Promise<ResolvedBase> {
  if (explicit !== undefined) return { id: explicit, note: `base model ${explicit} (--base-model)` };
  const found = await baseModelOfCheckpoint(dir);
  const unknown = "the card leaves base_model out (give --base-model ID)";
  if (!found) return { note: `warning: base model unknown: no run manifest (manifest.json of facial-r1 plan or pull) in ${dir} or the ${LEVELS} folders above it; ${unknown}` };
  if (!found.id) return { note: `warning: base model unknown: the run's model.path ${found.modelPath} (${found.manifest}) is a local folder, not a Hub id; ${unknown}` };
  return { id: found.id, note: `base model ${found.id}, from the run's model.path ${found.modelPath} (${found.manifest})` };
}
