import { shellQuote } from "../trainer/shell.js";

/** Files a launched run keeps next to its bundle, under `<workdir>/.facial-r1/`. */
export const JOB_DIR = ".facial-r1";
export const JOB_LOG = `${JOB_DIR}/job.log`;
export const JOB_PID = `${JOB_DIR}/pid`;
export const JOB_EXIT_CODE = `${JOB_DIR}/exit_code`;
export const JOB_CANCELLED = `${JOB_DIR}/cancelled`;

/**
 * The wrapper a detached run executes: records its pid, runs the setup lines and the
 * bundle's entry script with all output in the log, then records the exit code
 * atomically (a status check never reads half a number).
 */
export function renderJobWrapper(params: { workdir: string; entry: string; setup: string[] }): string {
  return [
    "#!/usr/bin/env bash",
    `cd ${shellQuote(params.workdir)} || exit 97`,
    `echo "$$" > ${JOB_PID}`,
    "(",
    ...params.setup.map((line) => `  ${line}`),
    `  exec bash ${shellQuote(params.entry)}`,
    `) >> ${JOB_LOG} 2>&1 < /dev/null`,
    "code=$?",
    `echo "$code" > ${JOB_EXIT_CODE}.tmp && mv ${JOB_EXIT_CODE}.tmp ${JOB_EXIT_CODE}`,
    "",
  ].join("\n");
}

/** Reads the last lines of the run's log (or all of it). */
export function tailScript(workdir: string, lines?: number): string {
  const file = `${shellQuote(workdir)}/${JOB_LOG}`;
  return lines === undefined ? `cat ${file} 2>/dev/null || true` : `tail -n ${lines} ${file} 2>/dev/null || true`;
}
