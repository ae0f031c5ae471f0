import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, openSync } from "node:fs";
import { chmod, lstat, mkdir, readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { TestContext } from "node:test";
import { runCli, startCli, tempDir, type CliResult } from "../helpers/cli.js";
import { faultyInput, type InputFault } from "./corpus.js";

/** What a command must do given a fault: its exit code and the one line that says why. */
export interface Outcome {
  code: number;
  message: RegExp;
}

/** A command that reads a user file, as the fault suite drives it. */
export interface Subject {
  /** `data shard`, ... */
  name: string;
  /** Input file name inside the work folder. */
  input: string;
  /** A valid input. */
  good: string;
  /** Output path inside the work folder: a file, or a folder when `outputIsDir`. */
  output?: string;
  /** What an earlier run left at the output (default PREVIOUS_OUTPUT). */
  previous?: string;
  outputIsDir?: boolean;
  args: (paths: { input: string; output: string; dir: string }) => string[];
  /** Expected outcome of each bad input. */
  inputFaults: Partial<Record<InputFault, Outcome>>;
  /**
   * The output is a report of the bad lines (`data validate --rejects`): an input with lines
   * rewrites it with them; an empty or unreadable one leaves it as it was.
   */
  reportsBadLines?: boolean;
}

export const PREVIOUS_OUTPUT = "the output of an earlier run\n";
export const NOBODY = 65534;
export const isRoot = process.getuid?.() === 0;

/** Every entry under `dir`: file contents by hash, links by target, devices and FIFOs by kind. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const name of (await readdir(at)).sort()) {
      const path = join(at, name);
      const key = relative(dir, path);
      const info = await lstat(path);
      if (info.isSymbolicLink()) out[key] = `link -> ${await readlink(path)}`;
      else if (info.isDirectory()) {
        out[key] = "dir";
        await walk(path);
      } else if (info.isFile()) out[key] = `file ${createHash("sha256").update(await readFile(path)).digest("hex")}`;
      else out[key] = info.isFIFO() ? "fifo" : info.isCharacterDevice() ? `char ${info.rdev}` : "other";
    }
  };
  await walk(dir);
  return out;
}

/** A work folder with the input and an earlier run's output, cleaned up afterwards. */
export async function inWorkDir<T>(subject: Subject, input: string | Buffer, fn: (paths: { dir: string; input: string; output: string }) => Promise<T>): Promise<T> {
  const { dir, cleanup } = await tempDir("facial-r1-fault-");
  try {
    const paths = { dir, input: join(dir, subject.input), output: join(dir, subject.output ?? "out.jsonl") };
    await writeFile(paths.input, input);
    if (subject.output !== undefined) await writePreviousOutput(subject, paths.output);
    return await fn(paths);
  } finally {
    await chmod(dir, 0o700).catch(() => undefined);
    await cleanup();
  }
}

export async function writePreviousOutput(subject: Subject, output: string): Promise<void> {
  if (subject.outputIsDir) {
    await mkdir(output, { recursive: true });
    await writeFile(join(output, "manifest.json"), subject.previous ?? PREVIOUS_OUTPUT);
  } else {
    await writeFile(output, subject.previous ?? PREVIOUS_OUTPUT);
  }
}

/** Exit code, one clear line (no stack trace, at most one `error:` line), as expected. */
export function assertOutcome(result: CliResult, expected: Outcome, label: string): void {
  const detail = `${label}\n--- stderr ---\n${result.stderr}`;
  assert.equal(result.code, expected.code, `exit code of ${detail}`);
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in ${detail}`);
  assert.ok(result.stderr.split("\n").filter((l) => l.startsWith("error:")).length <= 1, `more than one error line in ${detail}`);
  assert.ok(result.stderr.split("\n").some((l) => expected.message.test(l)), `no line matches ${expected.message} in ${detail}`);
}

/**
 * Runs `subject` on one bad input and checks the outcome and that the work folder (input and
 * earlier output alike) is exactly as before: nothing lost, nothing clobbered, no leftovers.
 */
export async function checkInputFault(_t: TestContext, subject: Subject, fault: InputFault, expected: Outcome): Promise<void> {
  await inWorkDir(subject, faultyInput(fault, subject.good), async (paths) => {
    let asUser: { uid: number; gid: number } | undefined;
    if (fault === "unreadable") {
      // Root reads every file; the command then runs as nobody, who cannot read a mode-000 file.
      chmodSync(paths.dir, 0o755);
      await chmod(paths.input, 0o000);
      if (isRoot) asUser = { uid: NOBODY, gid: NOBODY };
    }
    const before = await snapshot(paths.dir);
    const result = await runCli(subject.args(paths), { cwd: paths.dir, ...asUser });
    assertOutcome(result, expected, `${subject.name} given a ${fault} input`);
    const after = await snapshot(paths.dir);
    if (subject.reportsBadLines && fault !== "empty" && fault !== "unreadable") {
      const key = relative(paths.dir, paths.output);
      assert.notEqual(after[key], before[key], `${subject.name} given a ${fault} input did not report its lines`);
      assert.match(await readFile(paths.output, "utf8"), new RegExp(`"file":"[^"]*${subject.input.replace(".", "\\.")}"`));
      delete before[key];
      delete after[key];
    }
    assert.deepEqual(after, before, `${subject.name} given a ${fault} input changed the work folder`);
  });
}

/** A character device (like /dev/null) made with mknod, or undefined (with the reason) when not root. */
export function makeNullDevice(path: string): string | undefined {
  if (!isRoot) return "making a device node needs root";
  execFileSync("mknod", [path, "c", "1", "3"]);
  return undefined;
}

export function makeFifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

/** Standard output that is always full (`/dev/full`): every write fails with ENOSPC. */
export function openDevFull(): number {
  return openSync("/dev/full", "w");
}

export { closeSync, startCli, runCli };

/** A fresh work folder holding `in.jsonl` with `content`; removed afterwards. */
export async function withInput(content: string, fn: (dir: string, input: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir("facial-r1-fault-");
  try {
    const input = join(dir, "in.jsonl");
    await writeFile(input, content);
    await fn(dir, input);
  } finally {
    await cleanup();
  }
}
