import { dirname, join, resolve } from "node:path";
import { checkYamlConfig, configError, readYamlMapping } from "../util/yaml-config.js";
import type { Problem } from "../util/errors.js";
import { LoopConfigSchema, type LoopConfig } from "./config.js";

export interface LoadedLoopConfig {
  file: string;
  /** Folder relative paths resolve against: the loop file's. */
  baseDir: string;
  config: LoopConfig;
  text: string;
  /** The output folder: --out, else the config's `out`, else `<name>` next to the file. */
  out: string;
}

/** A path of the config, resolved against the loop file's folder. */
export function resolveFromLoop(loaded: Pick<LoadedLoopConfig, "baseDir">, path: string): string {
  return resolve(loaded.baseDir, path);
}

export async function parseLoopConfigFile(file: string): Promise<{ ok: true; loaded: LoadedLoopConfig } | { ok: false; problems: Problem[] }> {
  const read = await readYamlMapping(file, { kind: "a loop config", mappingHint: "(name, train, data, pool, eval, endpoint, stop, ...)" });
  if (!read.ok) return read;
  const parsed = checkYamlConfig(LoopConfigSchema, read.value);
  if (!parsed.ok) return parsed;
  const text = read.value.text;
  const baseDir = dirname(resolve(file));
  const config = parsed.value;
  return { ok: true, loaded: { file, baseDir, config, text, out: resolve(baseDir, config.out ?? join(".", config.name)) } };
}

/** `parseLoopConfigFile`, throwing one invalid-input error that lists every problem. */
export async function loadLoopConfig(file: string, outOverride?: string): Promise<LoadedLoopConfig> {
  const result = await parseLoopConfigFile(file);
  if (!result.ok) throw configError(result.problems);
  return outOverride === undefined ? result.loaded : { ...result.loaded, out: resolve(outOverride) };
}
