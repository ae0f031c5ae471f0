import { z } from "zod";

/** One state model for every backend. */
export const RUN_STATES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Whether a run in this state is over: succeeded, failed or cancelled (its status no longer changes). */
export function isFinished(state: RunState): boolean {
  return state === "succeeded" || state === "failed" || state === "cancelled";
}

export interface RunStatus {
  state: RunState;
  exitCode?: number;
  /** Why a run failed or was cancelled, in the backend's words (e.g. "time limit"). */
  reason?: string;
}

export const BACKEND_NAMES = ["local", "ssh", "slurm"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Where a remote command runs: a host reached with the user's ssh client. */
export const SshTargetSchema = z.strictObject({
  host: z.string().min(1).describe("Host name or ~/.ssh/config alias"),
  user: z.string().min(1).optional(),
  port: z.number().int().positive().optional(),
  identity_file: z.string().optional().describe("Private key; default: the ssh client's own choice"),
  config_file: z.string().optional().describe("ssh_config file passed as -F (default ~/.ssh/config)"),
  workdir: z.string().min(1).describe("Remote directory under which run bundles are placed"),
});
export type SshTarget = z.infer<typeof SshTargetSchema>;

export const SlurmOptionsSchema = z.strictObject({
  nodes: z.number().int().positive().default(1),
  gpus_per_node: z.number().int().nonnegative().default(8),
  partition: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  time: z.string().optional().describe("Slurm time limit, e.g. 2-00:00:00"),
  exclusive: z.boolean().default(true),
  cpus_per_task: z.number().int().positive().optional(),
  master_port: z.number().int().positive().default(29500),
  /** Extra `#SBATCH` lines, without the prefix, e.g. "--mem=0". */
  directives: z.array(z.string()).default([]),
  /** Submit through this login node instead of the local Slurm client. */
  login: SshTargetSchema.optional(),
});
export type SlurmOptions = z.infer<typeof SlurmOptionsSchema>;

/** Everything `launch` needs besides the bundle; also what `launch.yaml` holds. */
export const LaunchConfigSchema = z.strictObject({
  backend: z.enum(BACKEND_NAMES).default("local"),
  /** Shell lines run before the bundle's entry script, e.g. `source ~/venv/bin/activate`. */
  setup: z.array(z.string()).default([]),
  ssh: SshTargetSchema.optional(),
  slurm: SlurmOptionsSchema.optional(),
});
export type LaunchConfig = z.infer<typeof LaunchConfigSchema>;

/** What the registry keeps about one launched run. */
export interface RunRecord {
  id: string;
  backend: BackendName;
  bundle: string;
  entry: string;
  createdAt: string;
  /** Directory of the bundle where the job runs (on the remote host for ssh). */
  workdir: string;
  /**
   * The run's output directory relative to workdir, or absolute (checkpoints,
   * trainer_state.json, rollouts.log); the launcher exports it as OUTPUT_DIR.
   */
  outputDir: string;
  /** The run's job folder relative to workdir (log, pid, exit code); absent for runs registered before each run had its own. */
  jobDir?: string;
  ssh?: SshTarget;
  slurm?: SlurmOptions & { jobId: string };
  pid?: number;
  lastStatus?: RunStatus;
}

export interface LogOptions {
  /** Number of trailing lines; all when undefined. */
  tail?: number;
}

export interface LaunchBackend {
  submit(record: RunRecord, setup: string[]): Promise<RunRecord>;
  status(record: RunRecord): Promise<RunStatus>;
  logs(record: RunRecord, options?: LogOptions): Promise<string>;
  cancel(record: RunRecord): Promise<void>;
}
