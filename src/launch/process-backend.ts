import { shellQuote } from "../util/shell.js";
import { failure } from "../util/errors.js";
import type { Executor } from "./executor.js";
import { lastLine } from "./executor.js";
import { jobFilesOf, renderJobWrapper, tailScript } from "./job-files.js";
import type { LaunchBackend, LogOptions, RunRecord, RunStatus } from "./types.js";

/** How many log lines a failed status carries as its reason. */
const REASON_LINES = 5;

/**
 * A run as a detached process group on this machine (`local`) or on a host reached over
 * ssh (`ssh`), tracked by its pid and the exit code its wrapper writes.
 */
export class ProcessBackend implements LaunchBackend {
  constructor(private readonly executor: Executor) {}

  async submit(record: RunRecord, setup: string[]): Promise<RunRecord> {
    const q = shellQuote(record.workdir);
    const files = jobFilesOf(record);
    const wrapper = renderJobWrapper({ record, setup });
    const script = [
      "set -e",
      `cd ${q}`,
      `mkdir -p ${files.dir}`,
      `rm -f ${files.pid} ${files.exitCode} ${files.cancelled}`,
      `cat > ${files.script} <<'FACIAL_R1_JOB'`,
      wrapper,
      "FACIAL_R1_JOB",
      // setsid: the run gets its own process group, so cancel can stop all of it.
      `setsid nohup bash ${files.script} > /dev/null 2>&1 < /dev/null &`,
      "echo $!",
    ].join("\n");
    const result = await this.executor.exec(script);
    const pid = Number(result.stdout.trim().split("\n").pop());
    if (result.code !== 0 || !Number.isInteger(pid)) throw failure(`could not start the run on ${this.executor.description}: ${lastLine(result.stderr)}`);
    return { ...record, pid };
  }

  async status(record: RunRecord): Promise<RunStatus> {
    const q = shellQuote(record.workdir);
    const files = jobFilesOf(record);
    const script = [
      `cd ${q} 2>/dev/null || { echo missing; exit 0; }`,
      `pid=$(cat ${files.pid} 2>/dev/null || echo ${record.pid ?? ""})`,
      // Liveness first: the wrapper writes its exit code before it exits, so a process seen
      // dead here has either left its exit code or was killed. A zombie (state Z) has finished.
      `if [ -n "$pid" ] && [ -r /proc/$pid/stat ] && [ "$(awk '{print $3}' /proc/$pid/stat)" != Z ]; then echo alive; fi`,
      `if [ -f ${files.exitCode} ]; then echo "exit $(cat ${files.exitCode})"; fi`,
      `if [ -f ${files.cancelled} ]; then echo cancelled; fi`,
    ].join("\n");
    const out = (await this.executor.exec(script)).stdout.split("\n");
    const exitLine = out.find((l) => l.startsWith("exit "));
    if (out.includes("missing")) return { state: "failed", reason: `run directory ${record.workdir} no longer exists` };
    if (out.includes("cancelled")) return { state: "cancelled", reason: "cancelled by the user" };
    if (exitLine) {
      const exitCode = Number(exitLine.slice(5));
      if (exitCode === 0) return { state: "succeeded", exitCode };
      return { state: "failed", exitCode, reason: await this.logTail(record) };
    }
    if (out.includes("alive")) return { state: "running" };
    return { state: "failed", reason: `the run's process is gone without an exit code (killed, or the machine restarted). ${await this.logTail(record)}` };
  }

  async logs(record: RunRecord, options: LogOptions = {}): Promise<string> {
    return (await this.executor.exec(tailScript(record, options.tail))).stdout;
  }

  async cancel(record: RunRecord): Promise<void> {
    const q = shellQuote(record.workdir);
    const files = jobFilesOf(record);
    const script = [
      `cd ${q}`,
      `[ -f ${files.exitCode} ] && exit 0`,
      `touch ${files.cancelled}`,
      `pid=$(cat ${files.pid} 2>/dev/null || echo ${record.pid ?? ""})`,
      '[ -n "$pid" ] || exit 0',
      'kill -TERM -- "-$pid" 2>/dev/null || true',
      "for _ in $(seq 1 50); do kill -0 -- \"-$pid\" 2>/dev/null || exit 0; sleep 0.2; done",
      'kill -KILL -- "-$pid" 2>/dev/null || true',
    ].join("\n");
    const result = await this.executor.exec(script);
    if (result.code !== 0) throw failure(`cancel failed on ${this.executor.description}: ${lastLine(result.stderr)}`);
  }

  private async logTail(record: RunRecord): Promise<string> {
    const tail = (await this.logs(record, { tail: REASON_LINES })).trim();
    return tail ? `last log lines:\n${tail}` : "the log is empty";
  }
}
