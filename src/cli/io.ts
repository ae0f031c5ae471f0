import { FacialR1Error, describeSystemError, errorMessage, formatProblem, type Problem } from "../util/errors.js";
import { formatProgress } from "../util/progress.js";
import { withRunContext, type ProgressEvent } from "../util/run-context.js";

/** Machine output: exactly one JSON document per call, on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Machine output for streams: one compact JSON object per line, on stdout. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human output and messages: always stderr, so stdout stays parseable. */
export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Progress lines on stderr, unless FACIAL_R1_QUIET is set. */
export function printProgress(event: ProgressEvent): void {
  if (!process.env.FACIAL_R1_QUIET) say(formatProgress(event));
}

export function sayProblem(problem: Problem): void {
  const prefix = problem.severity === "warning" ? "warning: " : "";
  say(`${prefix}${formatProblem(problem)}`);
}

/**
 * Wraps a command action: sets the exit code it returns and turns every error
 * into one readable line on stderr (a stack trace only with FACIAL_R1_DEBUG=1).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await withRunContext({ onProgress: printProgress }, () => fn(...args));
      process.exitCode = code ?? 0;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

export function reportError(err: unknown): 1 | 2 {
  if (err instanceof FacialR1Error) {
    say(`error: ${err.toString()}`);
    return err.exitCode;
  }
  say(`error: ${describeSystemError(err) ?? errorMessage(err)}`);
  if (process.env.FACIAL_R1_DEBUG && err instanceof Error && err.stack) say(err.stack);
  return 1;
}

/** Parses a positive integer option, or throws an invalid-input error naming the option. */
export function parsePositiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new FacialR1Error("invalid_input", `${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Parses a positive number of seconds (fractions allowed) into milliseconds, or throws naming the option. */
export function parseSecondsAsMs(name: string, value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new FacialR1Error("invalid_input", `${name} must be a positive number of seconds, got "${value}"`);
  return seconds * 1000;
}

/** Parses an integer option that may be 0 (a count of retries, say), or throws naming the option. */
export function parseCount(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new FacialR1Error("invalid_input", `${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Commander option parser for a repeatable option: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Runs `work` with a signal that the first Ctrl-C aborts (after saying `message`), so the
 * work can finish what is in flight; a second Ctrl-C quits at once.
 */
export async function withInterrupt<T>(message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = new AbortController();
  const onSigint = () => {
    say(message);
    interrupt.abort();
  };
  process.once("SIGINT", onSigint);
  try {
    return await work(interrupt.signal);
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
