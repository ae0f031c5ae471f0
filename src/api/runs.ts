import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { jobFilesOf, runOutputPath } from "../launch/job-files.js";
import { backendFor, launchBundle, readBundle, refreshStatus } from "../launch/launch.js";
import { LaunchOverridesSchema, resolveLaunchConfig, type SlurmOverrides, type SshOverrides } from "../launch/options.js";
import { isFinished, LaunchConfigSchema, type LaunchConfig, type RunRecord, type RunStatus } from "../launch/types.js";
import { CHECKPOINT_CHOICES, describePull, pullRun as pullRunFiles, type PullReport } from "../runs/pull.js";
import { listRuns as listRegistry, loadRun } from "../launch/registry.js";
import { throwIfAborted } from "../util/run-context.js";
import { parseOptions, RUN_FIELDS, runWith, sameShape, type RunOptions } from "./options.js";

/**
 * A run's life from the SDK: launch a planned bundle on a backend, follow it, cancel it, pull
 * its results back. Runs are kept in the local registry ($FACIAL_R1_HOME, default
 * ~/.facial-r1/runs/), so another process (or the CLI) can follow the same run by its id.
 */

export type { LaunchConfig, PullReport, RunRecord, RunStatus, SlurmOverrides, SshOverrides };
export { CHECKPOINT_CHOICES, describePull, isFinished };

/** Launch settings as given (defaults not yet filled in). */
export type LaunchConfigInput = z.input<typeof LaunchConfigSchema>;

const RunRef = z.string().min(1);
const POLL_MS = 1000;

/** Options of {@link loadLaunchConfig}: a launch config file, and settings that override it. */
export interface LoadLaunchConfigOptions extends RunOptions {
  /** A launch config YAML, as `launch.yaml`: backend, setup, ssh, slurm. Without it, the settings below alone. */
  file?: string;
  /** `local`, `ssh` or `slurm`, over the file's (default local). */
  backend?: string;
  /** Shell lines run before the entry script, after the file's own. */
  setup?: string[];
  /** ssh backend: settings over the file's `ssh`; with `login`, also how the login node is reached. */
  ssh?: SshOverrides;
  /** slurm backend: settings over the file's `slurm`. */
  slurm?: SlurmOverrides;
  /** slurm backend: submit through this login node over ssh (host name or ~/.ssh/config alias). */
  login?: string;
}

const LoadLaunchConfigOptions = LaunchOverridesSchema.extend(RUN_FIELDS);
sameShape<z.input<typeof LoadLaunchConfigOptions>, LoadLaunchConfigOptions>(true);

/**
 * The launch settings {@link launchRun} takes, from a launch config file with the given
 * settings over it; a problem is an InvalidInputError at the file:line:column of the setting
 * (or naming the key a given setting sits under).
 */
export async function loadLaunchConfig(options: LoadLaunchConfigOptions): Promise<LaunchConfig> {
  const o = parseOptions("loadLaunchConfig", LoadLaunchConfigOptions, options);
  return runWith(o, () => resolveLaunchConfig(o));
}

/** Options of {@link launchRun}. */
export interface LaunchRunOptions extends RunOptions {
  /** A bundle folder written by planRun. */
  bundle: string;
  /** Backend and its settings: `{ backend: "local" | "ssh" | "slurm", setup?: string[], ssh?: {...}, slurm?: {...} }` (default local). */
  launch?: LaunchConfigInput;
  /** Another script of the bundle to run instead of its train script. */
  entry?: string;
  /** Return once the run is running, or once it has finished (default: once submitted). */
  wait?: "running" | "finished";
  /** Called once the run is submitted and registered, before any `wait` (to tell its id, say). */
  onLaunched?: (run: RunRecord) => void;
}

const LaunchRunOptions = z.strictObject({
  bundle: z.string().min(1),
  launch: LaunchConfigSchema.prefault({}),
  entry: z.string().min(1).optional(),
  wait: z.enum(["running", "finished"]).optional(),
  onLaunched: z.custom<(run: RunRecord) => void>((v) => typeof v === "function", "expected a function").optional(),
  ...RUN_FIELDS,
});
sameShape<z.input<typeof LaunchRunOptions>, LaunchRunOptions>(true);

export interface LaunchedRun {
  run: RunRecord;
  /** With `wait`: the status it waited for. */
  status?: RunStatus;
}

/** Starts a planned bundle where the GPUs are and registers the run. */
export async function launchRun(options: LaunchRunOptions): Promise<LaunchedRun> {
  const o = parseOptions("launchRun", LaunchRunOptions, options);
  return runWith(o, async () => {
    const bundle = await readBundle(o.bundle, o.entry);
    const run = await launchBundle({ bundle, config: o.launch });
    o.onLaunched?.(run);
    if (!o.wait) return { run };
    const status = await waitForStatus(run, o.wait === "running" ? (s) => s.state !== "pending" : (s) => isFinished(s.state));
    return { run, status };
  });
}

/** Options of {@link runStatus}. */
export interface RunStatusOptions extends RunOptions {
  /** A run id, or a unique prefix of one. */
  run: string;
  /** Wait until the run has finished. */
  wait?: boolean;
}

const RunStatusOptions = z.strictObject({ run: RunRef, wait: z.boolean().optional(), ...RUN_FIELDS });
sameShape<z.input<typeof RunStatusOptions>, RunStatusOptions>(true);

/** The run's state now (pending, running, succeeded, failed, cancelled), or, with `wait`, once it has finished. */
export async function runStatus(options: RunStatusOptions): Promise<{ run: RunRecord; status: RunStatus }> {
  const o = parseOptions("runStatus", RunStatusOptions, options);
  return runWith(o, async () => {
    const run = await loadRun(o.run);
    const status = o.wait ? await waitForStatus(run, (s) => isFinished(s.state)) : await refreshStatus(run);
    return { run, status };
  });
}

/** Options of {@link cancelRun}. */
export interface CancelRunOptions extends RunOptions {
  run: string;
  /** How long to wait for the run to be gone (default 30 s). */
  timeoutMs?: number;
}

const CancelRunOptions = z.strictObject({ run: RunRef, timeoutMs: z.number().positive().default(30_000), ...RUN_FIELDS });
sameShape<z.input<typeof CancelRunOptions>, CancelRunOptions>(true);

/** Stops the run's whole process group (or scancels its job) and waits until it is gone. */
export async function cancelRun(options: CancelRunOptions): Promise<{ run: RunRecord; status: RunStatus }> {
  const o = parseOptions("cancelRun", CancelRunOptions, options);
  return runWith(o, async () => {
    const run = await loadRun(o.run);
    await backendFor(run).cancel(run);
    return { run, status: await waitForStatus(run, (s) => isFinished(s.state), o.timeoutMs) };
  });
}

/** Options of {@link runLogs}. */
export interface RunLogsOptions extends RunOptions {
  run: string;
  /** Only the last lines. */
  tail?: number;
}

const RunLogsOptions = z.strictObject({ run: RunRef, tail: z.number().int().nonnegative().optional(), ...RUN_FIELDS });
sameShape<z.input<typeof RunLogsOptions>, RunLogsOptions>(true);

/** The job's output so far (the last `tail` lines). */
export async function runLogs(options: RunLogsOptions): Promise<string> {
  const o = parseOptions("runLogs", RunLogsOptions, options);
  return runWith(o, async () => {
    const run = await loadRun(o.run);
    return backendFor(run).logs(run, { tail: o.tail });
  });
}

/** Options of {@link pullRun}. */
export interface PullRunOptions extends RunOptions {
  run: string;
  /** Folder to pull into (default `pulled/<run id>`). */
  out?: string;
  /** Which checkpoints to fetch (default last): one of {@link CHECKPOINT_CHOICES}. */
  checkpoints?: (typeof CHECKPOINT_CHOICES)[number];
  /** Metric that picks the best checkpoint, higher is better (default reward). */
  bestMetric?: string;
  /** false: metrics, logs and checkpoint metadata only (default true). */
  weights?: boolean;
  /** Also render the charts as PNG. */
  png?: boolean;
}

const PullRunOptions = z.strictObject({
  run: RunRef,
  out: z.string().min(1).optional(),
  checkpoints: z.enum(CHECKPOINT_CHOICES).default("last"),
  bestMetric: z.string().min(1).default("reward"),
  weights: z.boolean().default(true),
  png: z.boolean().optional(),
  ...RUN_FIELDS,
});
sameShape<z.input<typeof PullRunOptions>, PullRunOptions>(true);

/** Brings back the job log, trainer_state.json, the rollout log and the chosen checkpoints; writes metrics and charts. */
export async function pullRun(options: PullRunOptions): Promise<PullReport> {
  const o = parseOptions("pullRun", PullRunOptions, options);
  return runWith(o, async () => {
    const record = await loadRun(o.run);
    return pullRunFiles({ record, out: o.out ?? `pulled/${record.id}`, checkpoints: o.checkpoints, bestMetric: o.bestMetric, weights: o.weights, png: o.png });
  });
}

/** Options of {@link listRuns}. */
export type ListRunsOptions = RunOptions;

const ListRunsOptions = z.strictObject({ ...RUN_FIELDS });
sameShape<z.input<typeof ListRunsOptions>, ListRunsOptions>(true);

/** Every run in the local registry, newest first, with the status it had when last looked at (`lastStatus`). */
export async function listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
  const o = parseOptions("listRuns", ListRunsOptions, options);
  return runWith(o, () => listRegistry());
}

/** Where a run's files are, on the machine it runs on. */
export interface RunFiles {
  /** The run's folder: its copy of the bundle. */
  workdir: string;
  /** Its output folder: checkpoints, trainer_state.json, rollouts.log (OUTPUT_DIR of the job). */
  output: string;
  /** The job's log: stdout and stderr of the entry script. */
  log: string;
}

/** The run's folder, output folder and job log, for messages and for tools that read them. */
export function runFiles(run: RunRecord): RunFiles {
  return { workdir: run.workdir, output: runOutputPath(run), log: `${run.workdir}/${jobFilesOf(run).log}` };
}

/** One line for people, `<run id>: <state> (exit code N)`, then the reason on a line of its own when there is one. */
export function describeRunStatus(run: RunRecord, status: RunStatus): string {
  const code = status.exitCode !== undefined ? ` (exit code ${status.exitCode})` : "";
  return `${run.id}: ${status.state}${code}${status.reason ? `\n${status.reason}` : ""}`;
}

/** Polls the run's status until `done` (or the timeout), checking the caller's signal between polls. */
async function waitForStatus(record: RunRecord, done: (s: RunStatus) => boolean, timeoutMs = Infinity): Promise<RunStatus> {
  const started = Date.now();
  while (true) {
    const status = await refreshStatus(record);
    if (done(status) || Date.now() - started >= timeoutMs) return status;
    throwIfAborted();
    await sleep(POLL_MS);
  }
}
