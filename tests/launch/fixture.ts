import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { ROOT, runCli, type CliResult } from "../helpers/cli.js";
import { infraEnv } from "../helpers/infra.js";
import { testPython } from "../helpers/python-env.js";
import type { TrainerTarget } from "../../src/schema/run-config.js";

const STAND_IN = join(ROOT, "tests", "stand-in");

/**
 * Plans the quickstart config into a fresh bundle: the bundle a user launches, with half the
 * gradient accumulation so that the sample makes two optimizer steps (metrics draw lines, a
 * failure can happen mid-run).
 */
export async function planBundle(dir: string): Promise<string> {
  const config = join(dir, "quickstart.yaml");
  const text = await readFile(join(ROOT, "configs", "quickstart.yaml"), "utf8");
  assert.match(text, /\ntraining:\n( {2}.*\n)*$/, "training: is the last block of the quickstart config");
  await writeFile(config, `${text.replaceAll("../samples/", `${join(ROOT, "samples")}/`)}  gradient_accumulation: 2\n`);
  const out = join(dir, "bundle");
  const planned = await runCli(["plan", config, "--out", out]);
  assert.equal(planned.code, 0, planned.stderr);
  return out;
}

/**
 * A private copy of a stand-in trainer checkout (tests/stand-in/<target>; the fork's script
 * writes into it) and the launch --setup lines that run it: the stand-in torchrun and
 * accelerate first on PATH, then the Python test environment (real datasets, PyYAML,
 * accelerate), and the stand-ins of the trainers' pinned libraries on PYTHONPATH.
 */
export async function standInTrainer(dir: string, target: TrainerTarget = "facial-r1"): Promise<string[]> {
  return (await standInSetup(dir, target)).flatMap((line) => ["--setup", line]);
}

/** The same, as the shell lines a launch runs before the train script (a loop's `launch.setup`). */
export async function standInSetup(dir: string, target: TrainerTarget = "facial-r1"): Promise<string[]> {
  const home = join(dir, `trainer-${target}`);
  await cp(join(STAND_IN, target), home, { recursive: true });
  const python = process.env.FACIAL_R1_TEST_PYTHON;
  const path = [join(STAND_IN, "bin"), ...(python ? [dirname(python)] : []), "$PATH"].join(":");
  return [`export PATH=${path}`, `export PYTHONPATH=${join(STAND_IN, "python")}`, `export TRAINER_HOME=${home}`, `export HF_DATASETS_CACHE=${join(dir, "hf-datasets")}`];
}

/** What a launch test needs: the real Slurm and sshd, and the Python test environment. */
export function launchEnv(t: TestContext): Record<string, string> | undefined {
  const env = infraEnv(t);
  return env && testPython(t) ? env : undefined;
}

export async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), "facial-r1-launch-"));
}

/** Runs the CLI with a private run registry. */
export function cli(home: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { env: { FACIAL_R1_HOME: home, ...env }, timeoutMs: 240_000 });
}

export function runIdOf(result: CliResult): string {
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { id: string }).id;
}
