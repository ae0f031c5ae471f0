import { dirname, resolve } from "node:path";
import { formatPath } from "../util/config-issue.js";
import { RunConfigSchema, type RunConfig } from "../schema/run-config.js";
import { checkYamlConfig, configError, parseYamlMapping, readYamlMapping, type YamlConfigKind, type YamlMapping } from "../util/yaml-config.js";
import type { Problem } from "../util/errors.js";
import { closestMatch } from "../util/suggest.js";
import { GRPO_IGNORED_FLAGS } from "./flags.js";

export { formatPath };

export interface LoadedRunConfig {
  /** The config file as given. */
  file: string;
  /** Directory that relative paths in the config are resolved against. */
  baseDir: string;
  config: RunConfig;
  /** Original text, hashed into the manifest. */
  text: string;
  /** Where a config path (e.g. ["datasets", 2, "file"]) sits in the file. */
  locate: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;
}

export type ParseResult = { ok: true; loaded: LoadedRunConfig } | { ok: false; problems: Problem[] };

const RUN_CONFIG: YamlConfigKind = { kind: "a run config", mappingHint: "(name, stage, model, datasets, ...)" };

/** Reads, parses and validates a run config; problems carry `file:line:column` and the YAML path. */
export async function parseRunConfigFile(file: string): Promise<ParseResult> {
  const read = await readYamlMapping(file, RUN_CONFIG);
  return read.ok ? checkRunConfig(read.value) : read;
}

export function parseRunConfigText(text: string, file: string): ParseResult {
  const read = parseYamlMapping(text, file, RUN_CONFIG);
  return read.ok ? checkRunConfig(read.value) : read;
}

function checkRunConfig(mapping: YamlMapping): ParseResult {
  const checked = checkYamlConfig(RunConfigSchema, mapping, mapping.value, { unknownKeyNote: trainerFlagNote });
  if (!checked.ok) return checked;
  const { file, text, locate } = mapping;
  return { ok: true, loaded: { file, baseDir: dirname(resolve(file)), config: checked.value, text, locate } };
}

/** `parseRunConfigFile`, throwing one invalid-input error listing every problem. */
export async function loadRunConfig(file: string): Promise<LoadedRunConfig> {
  const result = await parseRunConfigFile(file);
  if (!result.ok) throw configError(result.problems);
  return result.loaded;
}

/** A path from the config, resolved against the config file's directory (absolute paths stay). */
export function resolveFromConfig(loaded: Pick<LoadedRunConfig, "baseDir">, path: string): string {
  return resolve(loaded.baseDir, path);
}

/** For an unknown key that is a trainer flag the trainer accepts but ignores (or one close to it), say so. */
function trainerFlagNote(key: string, suggestion: string | undefined): string | undefined {
  const ignored = GRPO_IGNORED_FLAGS[key];
  if (ignored) return `: the trainer accepts ${key} but ignores it (${ignored})`;
  if (suggestion) return undefined;
  const near = closestMatch(key, Object.keys(GRPO_IGNORED_FLAGS));
  return near ? `; if you meant ${near}: the trainer accepts it but ignores it (${GRPO_IGNORED_FLAGS[near]})` : undefined;
}
