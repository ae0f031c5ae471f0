import { spawn } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { ROOT } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";

export const STAND_IN = join(ROOT, "tests", "stand-in");

export interface ScriptRun {
  code: number | null;
  output: string;
}

/**
 * A stand-in trainer checkout of `target`, copied into `dir` (the scripts write into it), and
 * the environment that runs a bundle's scripts against it on this machine: the stand-in
 * torchrun and accelerate, the Python test environment, the stand-ins of the trainers' pinned
 * libraries. Undefined (the test is skipped) without the Python test environment.
 */
export async function standIn(t: TestContext, dir: string, target: "vlm-r1" | "facial-r1"): Promise<{ home: string; env: NodeJS.ProcessEnv; python: string } | undefined> {
  const python = testPython(t);
  if (!python) return undefined;
  const home = join(dir, `home-${target}`);
  await cp(join(STAND_IN, target), home, { recursive: true });
  const env = {
    ...process.env,
    PATH: `${join(STAND_IN, "bin")}:${dirname(python)}:${process.env.PATH}`,
    PYTHONPATH: join(STAND_IN, "python"),
    TRAINER_HOME: home,
    HF_DATASETS_CACHE: join(dir, "hf-datasets"),
    GPUS_PER_NODE: "8",
  };
  return { home, env, python };
}

/** Runs a bundle script (or any command) and collects stdout and stderr together. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** The fork's config directory inside a stand-in checkout. */
export function forkConfigs(home: string): string {
  return join(home, "src", "open-r1-multimodal", "src", "open_r1", "configs");
}

export async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
}

/** A copy of a checked-in config with its data paths pointed at the bundled sample. */
export async function sampleVariant(params: { from: string; to: string; replace: (text: string) => string }): Promise<string> {
  const text = await readFile(params.from, "utf8");
  await writeFile(params.to, params.replace(text));
  return params.to;
}

export const SAMPLE = join(ROOT, "samples", "fea-sample");
