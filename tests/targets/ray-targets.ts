import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, runCli, type CliResult } from "../helpers/cli.js";
import type { TestContext } from "node:test";
import { testPython, testPythonBin } from "../helpers/python-env.js";
import { TRAINER_SOURCES } from "../../src/plugins/trainer-sources.js";

const run = promisify(execFile);
export const STAND_IN = join(ROOT, "tests", "stand-in");
export const MIRROR = "/work/.mirror";

/**
 * A copy of the quickstart config for a Ray trainer, in a folder where its relative data paths
 * (../samples/fea-sample/...) resolve: configs/<name>.yaml next to a link to the samples.
 * `training` lines are appended to its training block.
 */
export async function quickstartFor(dir: string, target: "verl" | "easyr1", training: string[] = [], name = "quickstart"): Promise<string> {
  await mkdir(join(dir, "configs"), { recursive: true });
  if (!existsSync(join(dir, "samples"))) await symlink(join(ROOT, "samples"), join(dir, "samples"));
  const text = await readFile(join(ROOT, "configs", "quickstart.yaml"), "utf8");
  assert.match(text, /\ntraining:\n( {2}.*\n)*$/, "training: is the last block of the quickstart config");
  const variant = text
    .replace("  target: facial-r1\n", `  target: ${target}\n`)
    .replace(/ {2}# 4 sample records.*\n {2}drop_empty_aus: true\n/, "");
  assert.notEqual(variant, text);
  const file = join(dir, "configs", `${name}.yaml`);
  await writeFile(file, `${variant}${training.map((l) => `  ${l}\n`).join("")}`);
  return file;
}

export async function plan(config: string, out: string): Promise<CliResult> {
  return runCli(["plan", config, "--out", out]);
}

/** The `key=value` overrides of the command that `script` runs (after `python3 -m <module>`), unquoted as bash would. */
export async function scriptOverrides(script: string, module: string): Promise<Map<string, string>> {
  const text = await readFile(script, "utf8");
  const start = text.indexOf(`python3 -m ${module} \\\n`);
  assert.ok(start >= 0, `${script} runs python3 -m ${module}`);
  const lines: string[] = [];
  for (const line of text.slice(start).split("\n").slice(1)) {
    lines.push(line.replace(/ \\$/, "").trim());
    if (!line.endsWith("\\")) break;
  }
  // Let bash unquote each word, with the runtime variables named.
  const env = { BUNDLE_DIR: "/B", DATA_ROOT: "/D", OUTPUT_DIR: "/O", NNODES: "2", GPUS_PER_NODE: "8", PATH: process.env.PATH ?? "" };
  const { stdout } = await run("bash", ["-c", `for w in ${lines.join(" ")}; do printf '%s\\0' "$w"; done`], { env });
  const out = new Map<string, string>();
  for (const word of stdout.split("\0").filter(Boolean)) {
    const eq = word.indexOf("=");
    out.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return out;
}

/** Runs a Python snippet with the test environment; stdout parsed as JSON. */
export async function python(bin: string, code: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const { stdout } = await run(bin, ["-c", code, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/**
 * The environment a bundle's train script runs in against the stand-ins (as tests/launch/fixture.ts
 * sets it up for a launch): the stand-in `ray` and the test Python first on PATH, the stand-in
 * libraries (ray) on PYTHONPATH, the trainer's stand-in root as TRAINER_HOME.
 */
export function standInEnv(pythonBinary: string, target: "verl" | "easyr1", extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [join(STAND_IN, "bin"), testPythonBin(pythonBinary), process.env.PATH].join(":"),
    PYTHONPATH: join(STAND_IN, "python"),
    TRAINER_HOME: join(STAND_IN, target),
    ...extra,
  };
}

/** Runs a program (a bundle's train script through bash, a stand-in); resolves with its exit code and output. */
export function runProcess(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd: tmpdir(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The FEA records of the quickstart's training file. */
export async function quickstartRecords(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(ROOT, "samples", "fea-sample", "train.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Completions of varied quality for a record, the same shapes a policy produces early on. */
export function completionsFor(record: { AUs: string[]; labels: string[] }): string[] {
  const label = record.labels[0] ?? "";
  const think = record.AUs.length ? `The face shows ${record.AUs.join(" and ")}.` : "The face is relaxed.";
  return [
    `<think>${think}</think>\n<answer>${label}</answer>`,
    `<think>${think}</think><answer>neutral</answer>`,
    `<think>${think}</think>`,
    `<answer>${label}</answer>`,
    `<think>Brows lowered (AU4) and lips pressed (AU24).</think>\n<answer>${label}</answer>`,
    "no tags at all",
  ];
}

/** A scratch folder with the quickstart planned for `target` at half the accumulation (16 prompts per step: two steps over the 36 sample records). */
export async function plannedQuickstart(target: "verl" | "easyr1"): Promise<{ dir: string; bundle: string }> {
  const dir = await mkdtemp(join(tmpdir(), `facial-r1-${target}-${process.pid}-`));
  const planned = await plan(await quickstartFor(dir, target, ["gradient_accumulation: 2"]), join(dir, "bundle"));
  assert.equal(planned.code, 0, planned.stderr);
  return { dir, bundle: join(dir, "bundle") };
}

/**
 * The trainer's config keys re-derived from its mirror at the commit the target names (with
 * derive_keys.py), and the list the stand-in checks; undefined (the test skipped) without the
 * mirror or the Python test environment.
 */
export async function derivedKeys(t: TestContext, target: "verl" | "easyr1"): Promise<{ derived: { keys: string[]; derived: string[] }; standIn: { keys: string[]; derived: string[] } } | undefined> {
  const source = TRAINER_SOURCES[target];
  const git = join(MIRROR, source.repo.replace("/", "+"), "repo");
  const py = testPython(t);
  if (!py) return undefined;
  if (!existsSync(git)) {
    t.skip(`no mirror of ${source.repo} at ${git}`);
    return undefined;
  }
  const derived = (await python(py, await readFile(join(import.meta.dirname, "derive_keys.py"), "utf8"), [target, git, source.commit])) as { keys: string[]; derived: string[] };
  const standIn = JSON.parse(await readFile(join(STAND_IN, target, "verl", "trainer", "config_keys.json"), "utf8"));
  return { derived, standIn };
}
