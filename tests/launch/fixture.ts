import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { ROOT, runCli, type CliResult } from "../helpers/cli.js";

const STAND_IN = join(ROOT, "tests", "stand-in");

/** Plans the quickstart config into a fresh bundle: the same bundle a user launches. */
export async function planBundle(dir: string): Promise<string> {
  const out = join(dir, "bundle");
  const planned = await runCli(["plan", join(ROOT, "configs", "quickstart.yaml"), "--out", out]);
  assert.equal(planned.code, 0, planned.stderr);
  return out;
}

/** A private copy of the stand-in trainer checkout (the fork's script writes into it). */
export async function standInTrainer(dir: string): Promise<string[]> {
  const home = join(dir, "trainer-home");
  await cp(join(STAND_IN, "trainer-home"), home, { recursive: true });
  return ["--setup", `export PATH=${join(STAND_IN, "bin")}:$PATH`, "--setup", `export TRAINER_HOME=${home}`];
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
