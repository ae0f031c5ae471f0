import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { failure } from "../util/errors.js";
import { makeDirectory } from "../util/fs.js";
import { stateHome } from "./registry.js";
import { shellQuote } from "../util/shell.js";
import type { SshTarget } from "./types.js";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where a run's commands execute: this machine or a host reached over ssh. Backends are
 * written once against this interface, so the local, ssh and slurm-through-a-login-node
 * paths share their logic.
 */
export interface Executor {
  readonly description: string;
  /** Runs a bash script (given on stdin, so no quoting layer is involved). */
  exec(script: string, options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Copies a local directory's contents into `remoteDir`; resumable, idempotent. */
  pushDir(localDir: string, remoteDir: string): Promise<void>;
  /**
   * Copies `remotePath` (a file or directory) to `localPath`; resumable, idempotent. `exclude`
   * patterns apply first, then `filters` (raw rsync filter options, in order).
   */
  pull(remotePath: string, localPath: string, options?: PullFilters): Promise<void>;
}

export interface PullFilters {
  exclude?: string[];
  filters?: string[];
}

function filterArgs(options: PullFilters): string[] {
  return [...(options.exclude ?? []).map((e) => `--exclude=${e}`), ...(options.filters ?? [])];
}

export function runProcess(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], timeout: options.timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => reject(failure(`cannot run ${command}: ${err.message}`)));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on("error", () => {}); // the command may exit before reading its input
    child.stdin.end(options.input ?? "");
  });
}

/** Rsync flags for resumable, verified copies: partial files land aside and are completed on rerun. */
const RSYNC_FLAGS = ["-a", "--partial", "--partial-dir=.rsync-partial"];

export class LocalExecutor implements Executor {
  readonly description = "this machine";

  exec(script: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return runProcess("bash", ["-s"], { input: script, timeoutMs: options.timeoutMs });
  }

  async pushDir(localDir: string, remoteDir: string): Promise<void> {
    if (localDir === remoteDir) return;
    await mkdir(remoteDir, { recursive: true });
    await cp(localDir, remoteDir, { recursive: true });
  }

  async pull(remotePath: string, localPath: string, options: PullFilters = {}): Promise<void> {
    await makeDirectory(dirname(localPath));
    const result = await runProcess("rsync", [...RSYNC_FLAGS, ...filterArgs(options), remotePath, localPath]);
    if (result.code !== 0) throw failure(`copy of ${remotePath} failed: ${lastLine(result.stderr)}`);
  }
}

export class SshExecutor implements Executor {
  readonly description: string;

  constructor(private readonly target: SshTarget) {
    this.description = `${target.user ? `${target.user}@` : ""}${target.host}`;
  }

  /** Options shared by ssh and rsync's remote shell. */
  private sshOptions(): string[] {
    const t = this.target;
    return [
      ...(t.config_file ? ["-F", t.config_file] : []),
      ...(t.port ? ["-p", String(t.port)] : []),
      ...(t.identity_file ? ["-i", t.identity_file, "-o", "IdentitiesOnly=yes"] : []),
      "-o",
      "BatchMode=yes",
      "-o",
      "ServerAliveInterval=15",
      ...connectionSharing(),
    ];
  }

  private destination(): string {
    return this.description;
  }

  async exec(script: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const result = await runProcess("ssh", [...this.sshOptions(), this.destination(), "bash -s"], { input: script, timeoutMs: options.timeoutMs });
    if (result.code === 255) throw failure(`ssh to ${this.description} failed: ${lastLine(result.stderr)}`);
    return result;
  }

  async pushDir(localDir: string, remoteDir: string): Promise<void> {
    const made = await this.exec(`mkdir -p ${shellQuote(remoteDir)}`);
    if (made.code !== 0) throw failure(`cannot create ${remoteDir} on ${this.description}: ${lastLine(made.stderr)}`);
    await this.rsync([`${localDir.replace(/\/?$/, "/")}`, `${this.destination()}:${remoteDir.replace(/\/?$/, "/")}`]);
  }

  async pull(remotePath: string, localPath: string, options: PullFilters = {}): Promise<void> {
    await makeDirectory(dirname(localPath));
    await this.rsync([...filterArgs(options), `${this.destination()}:${remotePath}`, localPath]);
  }

  private async rsync(args: string[]): Promise<void> {
    const remoteShell = ["ssh", ...this.sshOptions()].map(shellQuote).join(" ");
    const result = await runProcess("rsync", [...RSYNC_FLAGS, "-e", remoteShell, ...args]);
    if (result.code !== 0) throw failure(`rsync with ${this.description} failed (exit ${result.code}): ${lastLine(result.stderr)}`);
  }
}

/**
 * A unix socket path must fit in 104 bytes (macOS; 108 on Linux) with its NUL; ssh binds the
 * master's socket at `<dir>/<%C: 40 hex>.<16 random characters>` before renaming it.
 */
const MAX_CONTROL_DIR = 104 - 1 - "/".length - 40 - ".".length - 16;

/**
 * Options that let every ssh and rsync call to a host share one connection: launch, status
 * and pull each make several, and without sharing each pays for a new key exchange. The
 * master connection stays up for a minute after its last use, so consecutive CLI calls
 * share it too. FACIAL_R1_SSH_SHARING=0 turns it off (for hosts that refuse multiplexing).
 */
function connectionSharing(): string[] {
  if (process.env.FACIAL_R1_SSH_SHARING === "0") return [];
  const dir = join(stateHome(), "ssh");
  if (dir.length > MAX_CONTROL_DIR) return [];
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return ["-o", "ControlMaster=auto", "-o", `ControlPath=${join(dir, "%C")}`, "-o", "ControlPersist=60"];
}

export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] || "(no message)";
}
