import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");
export const RESULTS_FILE = join(ROOT, "bench", "RESULTS.md");
/** Large generated inputs live here (git-ignored) and are reused between runs. */
export const DATA_DIR = join(ROOT, ".bench-data");

export interface Measurement {
  seconds: number;
  /** User + system CPU seconds of the measured process (all its threads): steadier than wall time on a busy machine. */
  cpuSeconds?: number;
  /** Peak resident set size of the measured process, MiB. */
  peakRssMiB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Node process (the CLI, a script) and measures wall time and peak RSS.
 * `args` are Node arguments, e.g. ["dist/cli/main.js", "data", "validate", file].
 */
export async function measureNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), "bench-rss-"));
  const rssFile = join(dir, "rss");
  const cpuFile = join(dir, "cpu");
  writeFileSync(rssFile, "");
  writeFileSync(cpuFile, "");
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ["--import", join(ROOT, "bench", "report-rss.mjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, BENCH_CPU_SECONDS_FILE: cpuFile, FACIAL_R1_QUIET: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number>((done) => child.on("close", (code) => done(code ?? -1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKiB = Math.max(0, ...readFileSync(rssFile, "utf8").split("\n").filter(Boolean).map(Number));
  const cpuSeconds = Number(readFileSync(cpuFile, "utf8").trim() || "NaN");
  rmSync(dir, { recursive: true, force: true });
  return { seconds, cpuSeconds, peakRssMiB: rssKiB / 1024, exitCode, stdout, stderr };
}

/** Best (lowest time) of `runs` measurements: the least disturbed by a noisy machine. */
export async function bestOf(runs: number, measure: () => Promise<Measurement>): Promise<Measurement> {
  let best: Measurement | undefined;
  for (let i = 0; i < runs; i++) {
    const m = await measure();
    if (m.exitCode !== 0 && m.exitCode !== 1) throw new Error(`measured command failed (${m.exitCode}): ${m.stderr.slice(-2000)}`);
    if (!best || m.seconds < best.seconds) best = m;
  }
  return best!;
}

/** Replaces (or appends) the section of bench/RESULTS.md that belongs to one benchmark. */
export function recordResults(name: string, markdown: string): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n\n_Recorded ${new Date().toISOString().slice(0, 10)} on ${machineLine()}._\n${end}`;
  const current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, "utf8") : "# Benchmark results\n";
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next =
    start !== -1 && stop > start
      ? current.slice(0, start) + block + current.slice(stop + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS_FILE, next);
}

function machineLine(): string {
  const cpus = readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
  return `${cpus} cores, Node ${process.version}`;
}

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
