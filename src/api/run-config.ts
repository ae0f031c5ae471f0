import { z } from "zod";
import { type RunConfig, type RunConfigInput } from "../schema/run-config.js";
import { loadRunConfig as loadConfigFile, parseRunConfigFile } from "../trainer/config-file.js";
import { configFindings } from "../trainer/preflight.js";
import type { Problem } from "../util/errors.js";
import { parseOptions, sameShape } from "./options.js";

export type { RunConfig, RunConfigInput };

/** Options of {@link loadRunConfig} and {@link validateRunConfig}. */
export interface RunConfigFileOptions {
  /** A run config YAML (schemas/run-config.schema.json). */
  file: string;
}

const ConfigFileOptions = z.strictObject({ file: z.string().min(1) });
sameShape<z.input<typeof ConfigFileOptions>, RunConfigFileOptions>(true);

export interface LoadedRunConfig {
  /** Absolute path of the file. */
  file: string;
  /** Folder relative data and image paths resolve against. */
  baseDir: string;
  /** The config with every default filled in. */
  config: RunConfig;
}

/** Reads and checks a run config; an invalid one is an InvalidInputError at its file:line:column. */
export async function loadRunConfig(options: RunConfigFileOptions): Promise<LoadedRunConfig> {
  const o = parseOptions("loadRunConfig", ConfigFileOptions, options);
  const loaded = await loadConfigFile(o.file);
  return { file: loaded.file, baseDir: loaded.baseDir, config: loaded.config };
}

export interface RunConfigValidation {
  ok: boolean;
  /** Every finding, with file:line:column of the setting (errors and warnings). */
  problems: Problem[];
  config?: RunConfig;
}

/**
 * What can be checked without the data: the schema (with did-you-mean for misspelt keys), the
 * batch arithmetic, the model name the trainer needs, trainer flags. `preflightRun` checks the
 * data and images as well.
 */
export async function validateRunConfig(options: RunConfigFileOptions): Promise<RunConfigValidation> {
  const o = parseOptions("validateRunConfig", ConfigFileOptions, options);
  const result = await parseRunConfigFile(o.file);
  if (!result.ok) return { ok: false, problems: result.problems };
  const problems = configFindings(result.loaded);
  return { ok: problems.every((p) => p.severity === "warning"), problems, config: result.loaded.config };
}
