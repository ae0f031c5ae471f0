import { errorMessage, systemErrorReason } from "../util/errors.js";
import { removeLiveTemporaries } from "../util/temp-files.js";

/**
 * What every command gets from the CLI's process, whatever it writes:
 * - stdout closed by its reader (`| head -1`, EPIPE): stop quietly, exit 0;
 * - stdout that cannot be written (`> /dev/full`, ENOSPC): one line on stderr, exit 1;
 * - SIGINT / SIGTERM: remove this run's temporary files, say so in one line, exit 130 / 143
 *   a command that listens for the signal itself (to stop gracefully) handles it instead;
 * in every case no temporary file of ours stays behind.
 */
export function guardProcess(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") quit(0);
    writeStderr(`error: cannot write to standard output: ${systemErrorReason(err) ?? errorMessage(err)}`);
    quit(1);
  });
  // With stderr itself gone there is nowhere left to report to; the exit code still tells.
  process.stderr.on("error", () => undefined);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      const removed = removeLiveTemporaries();
      writeStderr(`interrupted (${signal})${removed > 0 ? `; removed ${removed} unfinished temporary file(s)` : ""}`);
      process.exit(code);
    });
  }
}

function quit(code: number): never {
  removeLiveTemporaries();
  process.exit(code);
}

function writeStderr(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // stderr is gone too.
  }
}
