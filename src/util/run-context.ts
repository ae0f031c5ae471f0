import { AsyncLocalStorage } from "node:async_hooks";
import { AbortedError } from "./errors.js";

/**
 * What a caller hands every long-running call of the SDK without threading it through each
 * function: where progress goes and when to stop. The public functions set it from their
 * `onProgress` and `signal` options; deep loops reach it through `Progress` (which reports and
 * checks the signal as it counts) and `throwIfAborted`. The library itself never writes to
 * stdout or stderr: without a listener, progress goes nowhere (the CLI installs one that
 * prints to stderr).
 */
export interface ProgressEvent {
  /** What is being counted, e.g. "validate train.jsonl". */
  label: string;
  done: number;
  total?: number;
  /** "records", "images", "requests", ... */
  unit: string;
  ratePerSecond: number;
  /** Seconds left, when `total` is known and the rate is positive. */
  etaSeconds?: number;
  /** The last event of this count. */
  finished: boolean;
}

export type ProgressListener = (event: ProgressEvent) => void;

export interface RunContext {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

const storage = new AsyncLocalStorage<RunContext>();

/** Runs `work` with `context` (merged over the one it is called in). */
export function withRunContext<T>(context: RunContext, work: () => Promise<T>): Promise<T> {
  const outer = storage.getStore() ?? {};
  return storage.run({ signal: context.signal ?? outer.signal, onProgress: context.onProgress ?? outer.onProgress }, work);
}

export function runContext(): RunContext {
  return storage.getStore() ?? {};
}

/** The context's signal, if any (for calls that take one, such as fetch). */
export function contextSignal(): AbortSignal | undefined {
  return storage.getStore()?.signal;
}

/** Throws AbortedError once the context's signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined = contextSignal()): void {
  if (signal?.aborted) throw new AbortedError(abortReason(signal));
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== "AbortError") return `aborted: ${reason.message}`;
  return typeof reason === "string" ? `aborted: ${reason}` : "aborted";
}
