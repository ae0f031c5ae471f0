import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const ROOT = resolve(import.meta.dirname, "..", "..");
const ENTRY = join(ROOT, "src", "cli", "main.ts");
/** tsx by absolute URL, so the CLI also starts from a working directory outside the repository. */
export const TSX = pathToFileURL(createRequire(join(ROOT, "package.json")).resolve("tsx")).href;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Standard output: a pipe read into `stdout` (default), one closed at once (EPIPE), or a file descriptor. */
  stdout?: "pipe" | "closed" | number;
  /** Run as this user (tests running as root use it to meet permissions). */
  uid?: number;
  gid?: number;
}

/** Runs the CLI from source as a separate process, exactly as a user would run it. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** `runCli`, with the child process at hand (to signal it) while it runs. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const stdout = options.stdout ?? "pipe";
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FACIAL_R1_QUIET: "1", ...options.env },
    stdio: ["pipe", typeof stdout === "number" ? stdout : "pipe", "pipe"],
    timeout: options.timeoutMs ?? 120_000,
    uid: options.uid,
    gid: options.gid,
  });
  // Closing our end before the child writes makes its first write to stdout fail with EPIPE.
  if (stdout === "closed") child.stdout!.destroy();
  const result = new Promise<CliResult>((done, fail) => {
    let out = "";
    let err = "";
    if (stdout === "pipe") child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout: out, stderr: err }));
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(options.input ?? "");
  });
  return { child, result };
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export async function tempDir(prefix = "facial-r1-test-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
