import { z } from "zod";
import { parseLoopConfigFile } from "../loop/config-file.js";
import type { LoopConfig } from "../loop/config.js";
import { runLoop as runRounds, type LoopSummary } from "../loop/run.js";
import type { Problem } from "../util/errors.js";
import { contextSignal } from "../util/run-context.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { LoopConfig, LoopSummary };

/** Options of {@link runLoop}. */
export interface RunLoopOptions extends RunOptions, ProblemOptions {
  /** The loop config (LOOP.yaml; schemas/loop.schema.json). */
  config: string;
  /** Output folder instead of the config's. */
  out?: string;
  /** Launch a round whose training run failed again, instead of stopping. */
  retryFailed?: boolean;
  /** One line per step as the loop goes (what the CLI prints). */
  onMessage?: (line: string) => void;
}

const RunLoopOptions = z.strictObject({
  config: z.string().min(1),
  out: z.string().min(1).optional(),
  retryFailed: z.boolean().optional(),
  onMessage: z.custom<(line: string) => void>((v) => typeof v === "function").optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof RunLoopOptions>, RunLoopOptions>(true);

/**
 * The paper's stage-3 loop: per round plan, launch, wait, pull, serve, evaluate, synthesize,
 * merge, push and report, until the stopping rule holds. Resumable after any kill: no repeated
 * training job, API call or record.
 */
export async function runLoop(options: RunLoopOptions): Promise<LoopSummary> {
  const o = parseOptions("runLoop", RunLoopOptions, options);
  return runWith(o, () => runRounds({ config: o.config, out: o.out, retryFailed: o.retryFailed, say: o.onMessage, onProblem: o.onProblem, signal: contextSignal() }));
}

/** Options of {@link validateLoopConfig}. */
export interface LoopConfigFileOptions extends RunOptions {
  /** A loop config YAML (schemas/loop.schema.json). */
  file: string;
}

const LoopConfigFileOptions = z.strictObject({ file: z.string().min(1), ...RUN_FIELDS });
sameShape<z.input<typeof LoopConfigFileOptions>, LoopConfigFileOptions>(true);

/** What {@link validateLoopConfig} found. */
export interface LoopConfigValidation {
  /** True when the config is valid. */
  ok: boolean;
  /** Every problem, with file:line:column of the setting. */
  problems: Problem[];
  /** The config with every default filled in, when it is valid. */
  config?: LoopConfig;
  /** When it is valid: the output folder, the config's `out`, else `<name>` next to the file. */
  out?: string;
}

/** Checks a loop config against its schema (the paths it names are not opened). */
export async function validateLoopConfig(options: LoopConfigFileOptions): Promise<LoopConfigValidation> {
  const o = parseOptions("validateLoopConfig", LoopConfigFileOptions, options);
  return runWith(o, async () => {
    const result = await parseLoopConfigFile(o.file);
    return result.ok ? { ok: true, problems: [], config: result.loaded.config, out: result.loaded.out } : { ok: false, problems: result.problems };
  });
}
