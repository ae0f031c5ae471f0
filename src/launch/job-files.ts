import { isAbsolute, posix } from "node:path";
import { shellQuote } from "../util/shell.js";
import type { RunRecord } from "./types.js";

/**
 * Files a launched run keeps next to its bundle. Each run has a job folder of its own,
 * `<workdir>/.facial-r1/runs/<run id>/`, so two runs of one bundle never share a log, a pid or
 * an exit code; runs registered before that kept theirs in `<workdir>/.facial-r1/`.
 */
export const JOB_ROOT = ".facial-r1";

/** The job folder of a new run, relative to its workdir. */
export function newJobDir(runId: string): string {
  return `${JOB_ROOT}/runs/${runId}`;
}

export interface JobFiles {
  dir: string;
  log: string;
  pid: string;
  exitCode: string;
  cancelled: string;
  /** The wrapper (process backends) or sbatch script (Slurm). */
  script: string;
}

/** A run's job files, relative to its workdir. */
export function jobFilesOf(record: Pick<RunRecord, "jobDir">): JobFiles {
  const dir = record.jobDir ?? JOB_ROOT;
  return { dir, log: `${dir}/job.log`, pid: `${dir}/pid`, exitCode: `${dir}/exit_code`, cancelled: `${dir}/cancelled`, script: `${dir}/job.sh` };
}

/** The run's output folder (checkpoints, trainer_state.json, rollouts.log) on the machine it runs on. */
export function runOutputPath(record: Pick<RunRecord, "workdir" | "outputDir">): string {
  return isAbsolute(record.outputDir) ? record.outputDir : posix.join(record.workdir, record.outputDir);
}

/**
 * The wrapper a detached run executes: records its pid, exports the run's own OUTPUT_DIR,
 * runs the setup lines and the bundle's entry script with all output in the run's log, then
 * records the exit code atomically (a status check never reads half a number).
 */
export function renderJobWrapper(params: { record: RunRecord; setup: string[] }): string {
  const { record } = params;
  const files = jobFilesOf(record);
  return [
    "#!/usr/bin/env bash",
    `cd ${shellQuote(record.workdir)} || exit 97`,
    `echo "$$" > ${files.pid}`,
    "(",
    `  export OUTPUT_DIR=${shellQuote(runOutputPath(record))}`,
    ...params.setup.map((line) => `  ${line}`),
    `  exec bash ${shellQuote(record.entry)}`,
    `) >> ${files.log} 2>&1 < /dev/null`,
    "code=$?",
    `echo "$code" > ${files.exitCode}.tmp && mv ${files.exitCode}.tmp ${files.exitCode}`,
    "",
  ].join("\n");
}

/** Reads the last lines of the run's log (or all of it). */
export function tailScript(record: RunRecord, lines?: number): string {
  const file = `${shellQuote(record.workdir)}/${jobFilesOf(record).log}`;
  return lines === undefined ? `cat ${file} 2>/dev/null || true` : `tail -n ${lines} ${file} 2>/dev/null || true`;
}
