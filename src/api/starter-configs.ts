import { z } from "zod";
import { starterLoopConfig } from "../loop/starter.js";
import { RUN_NAME_PATTERN, STAGES, type RunConfig } from "../schema/run-config.js";
import { starterConfig } from "../trainer/starter.js";
import { InvalidInputError } from "../util/errors.js";
import { pathExists, writeFileAtomic } from "../util/fs.js";
import { parseOptions, RUN_FIELDS, runWith, sameShape, type RunOptions } from "./options.js";

/**
 * Annotated starter configs, every section with its defaults spelled out so the file documents
 * itself: a run config (`facial-r1 config init`) and a loop config (`facial-r1 loop init`).
 */

const Name = z.string().regex(RUN_NAME_PATTERN, "use letters, digits, '.', '_' and '-' only");

/** Options of {@link writeStarterRunConfig}. */
export interface WriteStarterRunConfigOptions extends RunOptions {
  /** Where to write the YAML. */
  file: string;
  /** The run's name (see {@link RUN_NAME_PATTERN}): its output folder and run_name. */
  name: string;
  /** sft (stage 1), grpo (stage 2) or grpo-task (stage 3). */
  stage: RunConfig["stage"];
  /** Replace an existing file (otherwise an existing file is an InvalidInputError). */
  force?: boolean;
}

const WriteStarterRunConfigOptions = z.strictObject({ file: z.string().min(1), name: Name, stage: z.enum(STAGES), force: z.boolean().optional(), ...RUN_FIELDS });
sameShape<z.input<typeof WriteStarterRunConfigOptions>, WriteStarterRunConfigOptions>(true);

/** Writes an annotated starter run config with the paper's defaults (it validates as written); returns the file. */
export async function writeStarterRunConfig(options: WriteStarterRunConfigOptions): Promise<string> {
  const o = parseOptions("writeStarterRunConfig", WriteStarterRunConfigOptions, options);
  return runWith(o, () => writeStarter(o.file, o.force, () => starterConfig({ name: o.name, stage: o.stage })));
}

/** Options of {@link writeStarterLoopConfig}. */
export interface WriteStarterLoopConfigOptions extends RunOptions {
  /** Where to write the YAML. */
  file: string;
  /** The loop's name (see {@link RUN_NAME_PATTERN}): its run names and default output folder. */
  name: string;
  /** The run config trained each round, as written into the file (relative to it). */
  runConfig: string;
  /** Replace an existing file (otherwise an existing file is an InvalidInputError). */
  force?: boolean;
}

const WriteStarterLoopConfigOptions = z.strictObject({ file: z.string().min(1), name: Name, runConfig: z.string().min(1), force: z.boolean().optional(), ...RUN_FIELDS });
sameShape<z.input<typeof WriteStarterLoopConfigOptions>, WriteStarterLoopConfigOptions>(true);

/** Writes an annotated starter loop config (it validates as written); returns the file. */
export async function writeStarterLoopConfig(options: WriteStarterLoopConfigOptions): Promise<string> {
  const o = parseOptions("writeStarterLoopConfig", WriteStarterLoopConfigOptions, options);
  return runWith(o, () => writeStarter(o.file, o.force, () => starterLoopConfig({ name: o.name, runConfig: o.runConfig })));
}

async function writeStarter(file: string, force: boolean | undefined, text: () => string): Promise<string> {
  if (!force && (await pathExists(file))) throw new InvalidInputError("exists; use --force to overwrite", { file });
  await writeFileAtomic(file, text());
  return file;
}
