import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { basename, isAbsolute, join, posix, resolve } from "node:path";
import { failure, invalidInput } from "../util/errors.js";
import { sha256 } from "../util/fs.js";
import { shellQuote } from "../util/shell.js";
import { saveRun } from "./registry.js";
import { lastLine, LocalExecutor, SshExecutor, type Executor } from "./executor.js";
import { ProcessBackend } from "./process-backend.js";
import { SlurmBackend, slurmJobName } from "./slurm.js";
import { jobFilesOf, newJobDir } from "./job-files.js";
import { isFinished, SlurmOptionsSchema, type LaunchBackend, type LaunchConfig, type RunRecord, type RunStatus } from "./types.js";

/** What `launch` needs to know about a planned bundle, read from its manifest.json. */
export interface BundleInfo {
  dir: string;
  name: string;
  entry: string;
  outputDir: string;
}

export async function readBundle(dir: string, entryOverride?: string): Promise<BundleInfo> {
  const abs = resolve(dir);
  let manifest: { name?: string; scripts?: { train?: string }; config?: { name?: string; output?: { dir?: string } } } = {};
  try {
    manifest = JSON.parse(await readFile(join(abs, "manifest.json"), "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw invalidInput(`manifest.json is not valid JSON: ${(err as Error).message}`, { file: join(abs, "manifest.json") });
    if (!entryOverride) throw invalidInput("not a run bundle: no manifest.json (make one with facial-r1 plan, or pass --entry SCRIPT)", { file: abs });
  }
  const entry = entryOverride ?? manifest.scripts?.train;
  if (!entry) throw invalidInput("manifest.json names no train script (scripts.train)", { file: join(abs, "manifest.json") });
  try {
    if (!(await stat(join(abs, entry))).isFile()) throw invalidInput("not a file");
  } catch {
    throw invalidInput(`entry script ${entry} is missing from the bundle`, { file: abs });
  }
  const name = manifest.name ?? manifest.config?.name ?? basename(abs);
  return { dir: abs, name, entry, outputDir: manifest.config?.output?.dir ?? `outputs/${name}` };
}

export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 40) || "run";
  return `${safe}-${stamp}-${randomBytes(2).toString("hex")}`;
}

export function executorFor(record: Pick<RunRecord, "backend" | "ssh" | "slurm">): Executor {
  if (record.backend === "ssh") {
    if (!record.ssh) throw invalidInput("the ssh backend needs ssh settings (host, workdir)", { field: "ssh" });
    return new SshExecutor(record.ssh);
  }
  if (record.backend === "slurm" && record.slurm?.login) return new SshExecutor(record.slurm.login);
  return new LocalExecutor();
}

export function backendFor(record: RunRecord): LaunchBackend {
  const executor = executorFor(record);
  if (record.backend === "slurm") return new SlurmBackend(executor, { tasksPerNode: slurmTasksPerNode() });
  return new ProcessBackend(executor);
}

/**
 * Tasks per Slurm node. Real runs use one torchrun per node; the test cluster has one node,
 * so FACIAL_R1_SLURM_TASKS_PER_NODE lets several tasks stand in for several nodes.
 */
function slurmTasksPerNode(): number | undefined {
  const value = Number(process.env.FACIAL_R1_SLURM_TASKS_PER_NODE);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Where a launch config sends a bundle's run: the remote host that holds its directory, if any. */
function remoteOf(config: LaunchConfig) {
  return config.backend === "ssh" ? config.ssh : config.backend === "slurm" ? config.slurm?.login : undefined;
}

/**
 * The registry record of a run of `bundle` under `config`, before it is submitted. Every run
 * has its own job folder (log, pid, exit code) and its own output folder: a remote run has its
 * own copy of the bundle, so the bundle's output folder in it is its own; a local run (or a
 * Slurm job submitted here) works in the bundle's folder, which other runs share, so its
 * outputs go to `<output dir>/<run id>`, as they do wherever the output dir is absolute.
 */
export function newRunRecord(bundle: BundleInfo, config: LaunchConfig, id: string): RunRecord {
  const remote = remoteOf(config);
  if (config.backend === "ssh" && !config.ssh) throw invalidInput("--backend ssh needs ssh settings: host and workdir (flags or launch config)", { field: "ssh" });
  const ownCopy = remote !== undefined && !isAbsolute(bundle.outputDir);
  return {
    id,
    backend: config.backend,
    bundle: bundle.dir,
    entry: bundle.entry,
    createdAt: new Date().toISOString(),
    workdir: remote ? `${remote.workdir.replace(/\/$/, "")}/${id}` : bundle.dir,
    outputDir: ownCopy ? bundle.outputDir : posix.join(bundle.outputDir, id),
    jobDir: newJobDir(id),
    ssh: config.backend === "ssh" ? config.ssh : undefined,
    slurm: config.backend === "slurm" ? { ...SlurmOptionsSchema.parse(config.slurm ?? {}), jobId: "" } : undefined,
  };
}

/** Copies the bundle where it will run (remote backends), submits it and registers the run. */
export async function launchBundle(params: { bundle: BundleInfo; config: LaunchConfig; runId?: string }): Promise<RunRecord> {
  const { bundle, config } = params;
  let record = newRunRecord(bundle, config, params.runId ?? newRunId(bundle.name));
  const remote = remoteOf(config);
  if (remote) await placeRemoteBundle({ executor: executorFor(record), bundle, remoteRoot: remote.workdir, workdir: record.workdir });
  record = await backendFor(record).submit(record, config.setup);
  await saveRun(record);
  return record;
}

/**
 * A run that was submitted under `record.id` but never registered (the launching process died
 * between the two): found by the pid file its job wrapper writes, or by its Slurm job name.
 * Registered and returned when found; undefined when the job never started.
 */
export async function recoverSubmittedRun(record: RunRecord): Promise<RunRecord | undefined> {
  const executor = executorFor(record);
  let found: RunRecord | undefined;
  if (record.backend === "slurm") {
    const result = await executor.exec(`squeue --states=all -h -n ${shellQuote(slurmJobName(record.id))} -o %i`);
    const jobId = result.stdout.trim().split("\n")[0];
    if (result.code === 0 && /^\d+$/.test(jobId)) found = { ...record, slurm: { ...record.slurm!, jobId } };
  } else {
    const result = await executor.exec(`cat ${shellQuote(`${record.workdir}/${jobFilesOf(record).pid}`)} 2>/dev/null`);
    const pid = Number(result.stdout.trim());
    if (result.code === 0 && Number.isInteger(pid) && pid > 0) found = { ...record, pid };
  }
  if (found) await saveRun(found);
  return found;
}

/**
 * Uploads a bundle once per content (`<root>/.bundles/<name>-<hash>`: a launch retried after a
 * dropped connection sends only what is missing), then gives the run its own directory of hard
 * links to it, so runs of the same bundle never share outputs or job files.
 */
async function placeRemoteBundle(params: { executor: Executor; bundle: BundleInfo; remoteRoot: string; workdir: string }): Promise<void> {
  const { executor, bundle } = params;
  const key = `${bundle.name.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 40)}-${await bundleHash(bundle.dir)}`;
  const staging = `${params.remoteRoot.replace(/\/$/, "")}/.bundles/${key}`;
  await executor.pushDir(bundle.dir, staging);
  const linked = await executor.exec(`cp -al ${shellQuote(staging)} ${shellQuote(params.workdir)}`);
  if (linked.code !== 0) throw failure(`cannot create the run directory ${params.workdir} on ${executor.description}: ${lastLine(linked.stderr)}`);
}

/** What identifies a bundle's content: its manifest (which hashes every file), else its path. */
async function bundleHash(dir: string): Promise<string> {
  const manifest = await readFile(join(dir, "manifest.json")).catch(() => Buffer.from(dir));
  return sha256(manifest).slice(0, 16);
}

/** The run's current status, remembered in the registry so `runs list` can show it. */
export async function refreshStatus(record: RunRecord): Promise<RunStatus> {
  if (record.lastStatus && isFinished(record.lastStatus.state)) return record.lastStatus;
  const status = await backendFor(record).status(record);
  await saveRun({ ...record, lastStatus: status });
  return status;
}
