import { homedir } from "node:os";
import { basename, join } from "node:path";

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const CACHE_SNAPSHOT = /(?:^|\/)models--([^/]+?)--([^/]+)\/snapshots\/[^/]+\/?$/;
/** Folder names of Qwen's releases, as downloaded by hand (`/models/Qwen2.5-VL-3B-Instruct`). */
const QWEN_RELEASE = /^Qwen[\d.]*-VL-[\d.]+B(-Instruct)?$/i;

/** Whether a model path has the shape of a Hub id (`NS/NAME`); a local folder of that name wins where it exists. */
export function looksLikeHubId(path: string): boolean {
  return HUB_ID.test(path);
}

/**
 * The Hub id of the model a run trained from, read off its `model.path`: a Hub id as it is
 * (`Qwen/Qwen2.5-VL-3B-Instruct`), a snapshot of the Hugging Face cache
 * (`.../models--Qwen--Qwen2.5-VL-3B-Instruct/snapshots/<commit>`), or a local folder named as a
 * Qwen release (`/models/Qwen2.5-VL-3B-Instruct`). Undefined for any other local path: the base
 * is then unknown rather than guessed.
 */
export function hubIdOfModelPath(path: string): string | undefined {
  const cached = CACHE_SNAPSHOT.exec(path.replace(/\\/g, "/"));
  if (cached) return `${cached[1]}/${cached[2]}`;
  if (looksLikeHubId(path)) return path;
  const name = basename(path.replace(/\/+$/, ""));
  return QWEN_RELEASE.test(name) ? `Qwen/${name}` : undefined;
}

/** The Hugging Face cache the Python tools use: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  return join(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface"), "hub");
}

/** A model repository's folder in the cache: `<cache>/models--NS--NAME`. */
export function cachedModelDir(id: string, cache = defaultHubCacheDir()): string {
  return join(cache, `models--${id.replace("/", "--")}`);
}
