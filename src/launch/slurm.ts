import { shellQuote } from "../util/shell.js";
import { failure, invalidInput } from "../util/errors.js";
import type { Executor } from "./executor.js";
import { lastLine } from "./executor.js";
import { jobFilesOf, runOutputPath, tailScript } from "./job-files.js";
import type { LaunchBackend, LogOptions, RunRecord, RunState, RunStatus, SlurmOptions } from "./types.js";

/**
 * The sbatch script: one task per node, each running the bundle's entry script with the
 * rendezvous of a multi-node torchrun in its environment (the first node of the allocation
 * is the master; NODE_RANK comes from the task's rank).
 */
export function renderSbatchScript(params: {
  record: Pick<RunRecord, "id" | "workdir" | "entry" | "outputDir" | "jobDir">;
  setup: string[];
  slurm: SlurmOptions;
  /** Tasks per node; 1 for real runs. More lets one test node stand in for several. */
  tasksPerNode?: number;
}): string {
  const { slurm, record } = params;
  const tasksPerNode = params.tasksPerNode ?? 1;
  const directives = [
    `--job-name=${slurmJobName(record.id)}`,
    `--nodes=${slurm.nodes}`,
    `--ntasks-per-node=${tasksPerNode}`,
    `--chdir=${record.workdir}`,
    `--output=${record.workdir}/${jobFilesOf(record).log}`,
    `--open-mode=append`,
    ...(slurm.gpus_per_node > 0 ? [`--gres=gpu:${slurm.gpus_per_node}`] : []),
    ...(slurm.cpus_per_task ? [`--cpus-per-task=${slurm.cpus_per_task}`] : []),
    ...(slurm.partition ? [`--partition=${slurm.partition}`] : []),
    ...(slurm.account ? [`--account=${slurm.account}`] : []),
    ...(slurm.qos ? [`--qos=${slurm.qos}`] : []),
    ...(slurm.time ? [`--time=${slurm.time}`] : []),
    ...(slurm.exclusive ? ["--exclusive"] : []),
    ...slurm.directives.map(checkDirective),
  ];
  const lines = [
    "#!/usr/bin/env bash",
    ...directives.map((d) => `#SBATCH ${d}`),
    "set -euo pipefail",
    // The run's own output folder, whatever other runs of the bundle write.
    `export OUTPUT_DIR=${shellQuote(runOutputPath(record))}`,
    ...params.setup,
    'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    `MASTER_PORT=${slurm.master_port}`,
    "NNODES=$SLURM_NTASKS",
    ...(slurm.gpus_per_node > 0 ? [`GPUS_PER_NODE=${slurm.gpus_per_node}`, "export GPUS_PER_NODE"] : []),
    "export MASTER_ADDR MASTER_PORT NNODES",
    `echo "facial-r1: job $SLURM_JOB_ID on $SLURM_JOB_NODELIST, $NNODES node(s), master $MASTER_ADDR:$MASTER_PORT"`,
    // Each task is one node's torchrun: its rank is the node rank.
    `srun --kill-on-bad-exit=1 bash -c ${shellQuote(`export NODE_RANK="$SLURM_PROCID"; exec bash ${shellQuote(record.entry)}`)}`,
    "",
  ];
  return lines.join("\n");
}

function checkDirective(directive: string): string {
  if (!/^--?[A-Za-z]/.test(directive) || /[\n\r]/.test(directive)) {
    throw invalidInput(`not an sbatch option: ${JSON.stringify(directive)} (write it without "#SBATCH", e.g. "--mem=0")`, { field: "slurm.directives" });
  }
  return directive;
}

/** Slurm's job states in the one state model of every backend. */
export function mapSlurmState(slurmState: string): RunState {
  const state = slurmState.split(/[\s+]/)[0].toUpperCase();
  if (["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED"].includes(state)) return "pending";
  if (["RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING", "STOPPED"].includes(state)) return "running";
  if (state === "COMPLETED") return "succeeded";
  if (state === "CANCELLED") return "cancelled";
  return "failed";
}

const SLURM_REASONS: Record<string, string> = {
  TIMEOUT: "killed by the time limit",
  OUT_OF_MEMORY: "out of memory",
  NODE_FAIL: "a node failed",
  BOOT_FAIL: "a node failed to boot",
  DEADLINE: "deadline reached",
  PREEMPTED: "preempted",
};

/** Parses `scontrol show job -o` (one line of Key=Value pairs). */
export function parseScontrolJob(line: string): { state: string; exitCode?: number; signal?: number; reason?: string } | undefined {
  const fields = new Map<string, string>();
  for (const match of line.matchAll(/(\w+)=(\S*)/g)) if (!fields.has(match[1])) fields.set(match[1], match[2]);
  const state = fields.get("JobState");
  if (!state) return undefined;
  const [code, signal] = (fields.get("ExitCode") ?? "").split(":").map(Number);
  const reason = fields.get("Reason");
  return { state, exitCode: Number.isFinite(code) ? code : undefined, signal: Number.isFinite(signal) ? signal : undefined, reason: reason && reason !== "None" ? reason : undefined };
}

export class SlurmBackend implements LaunchBackend {
  constructor(
    private readonly executor: Executor,
    private readonly options: { tasksPerNode?: number } = {},
  ) {}

  async submit(record: RunRecord, setup: string[]): Promise<RunRecord> {
    if (!record.slurm) throw invalidInput("the slurm backend needs slurm options (nodes, partition, ...)", { field: "slurm" });
    const sbatch = renderSbatchScript({ record, setup, slurm: record.slurm, tasksPerNode: this.options.tasksPerNode });
    const q = shellQuote(record.workdir);
    const files = jobFilesOf(record);
    const script = [
      "set -e",
      `cd ${q}`,
      `mkdir -p ${files.dir}`,
      `cat > ${files.dir}/job.sbatch <<'FACIAL_R1_JOB'`,
      sbatch,
      "FACIAL_R1_JOB",
      `sbatch --parsable ${files.dir}/job.sbatch`,
    ].join("\n");
    const result = await this.executor.exec(script);
    const jobId = result.stdout.trim().split("\n").pop()?.split(";")[0] ?? "";
    if (result.code !== 0 || !/^\d+$/.test(jobId)) throw failure(`sbatch refused the job: ${lastLine(result.stderr || result.stdout)}`);
    return { ...record, slurm: { ...record.slurm, jobId } };
  }

  async status(record: RunRecord): Promise<RunStatus> {
    const jobId = requireJobId(record);
    const shown = await this.executor.exec(`scontrol show job -o ${jobId}`);
    let job = shown.code === 0 ? parseScontrolJob(shown.stdout) : undefined;
    if (!job) job = await this.fromAccounting(jobId);
    if (!job) return { state: "failed", reason: `Slurm no longer knows job ${jobId}: ${lastLine(shown.stderr)}` };
    const state = mapSlurmState(job.state);
    const base = job.state.split(/[\s+]/)[0].toUpperCase();
    if (state === "succeeded") return { state, exitCode: 0 };
    if (state === "cancelled") return { state, exitCode: job.exitCode, reason: "cancelled (scancel)" };
    if (state === "failed") {
      const why = SLURM_REASONS[base] ?? `job state ${base}${job.signal ? `, signal ${job.signal}` : ""}`;
      const tail = (await this.logs(record, { tail: 5 })).trim();
      return { state, exitCode: job.exitCode, reason: tail ? `${why}; last log lines:\n${tail}` : why };
    }
    return { state, reason: state === "pending" ? job.reason : undefined };
  }

  async logs(record: RunRecord, options: LogOptions = {}): Promise<string> {
    return (await this.executor.exec(tailScript(record, options.tail))).stdout;
  }

  async cancel(record: RunRecord): Promise<void> {
    const result = await this.executor.exec(`scancel ${requireJobId(record)}`);
    if (result.code !== 0) throw failure(`scancel failed: ${lastLine(result.stderr)}`);
  }

  /** Finished jobs purged from slurmctld's memory: ask accounting, or the job-completion log. */
  private async fromAccounting(jobId: string): Promise<ReturnType<typeof parseScontrolJob>> {
    for (const flags of ["-X", "-c"]) {
      const result = await this.executor.exec(`sacct ${flags} -n -P -o jobid,state,exitcode -j ${jobId} 2>/dev/null`);
      const row = result.stdout.split("\n").find((l) => l.startsWith(`${jobId}|`));
      if (row) {
        const [, state, exit] = row.split("|");
        const [code, signal] = exit.split(":").map(Number);
        return { state, exitCode: code, signal };
      }
    }
    return undefined;
  }
}

function requireJobId(record: RunRecord): string {
  const jobId = record.slurm?.jobId;
  if (!jobId) throw invalidInput(`run ${record.id} has no Slurm job id`);
  return jobId;
}

/** The Slurm job name of a run: how a run submitted but never registered is found again. */
export function slurmJobName(runId: string): string {
  return `facial-r1-${runId}`.slice(0, 64);
}
