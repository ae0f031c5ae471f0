import { z } from "zod";
import { invalidInput, type Problem } from "../util/errors.js";
import { throwIfAborted, withRunContext, type ProgressListener } from "../util/run-context.js";

/**
 * The shape every public function shares: one options object, checked up front, with
 * `signal` to cancel, `onProgress` for counts and rates, `onProblem` for findings about the
 * input (`file:line: field: message`). The library never writes to stdout or stderr itself.
 */
export interface RunOptions {
  /** Cancels the work: the call rejects with AbortedError and keeps what was done so far. */
  signal?: AbortSignal;
  /** Progress of long loops (records read, images checked, requests done), a few per second at most. */
  onProgress?: ProgressListener;
}

export interface ProblemOptions {
  /** Every finding about the input, as it is found (errors and warnings). */
  onProblem?: (problem: Problem) => void;
}

const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === "function";

/** zod fields of RunOptions and ProblemOptions, for the schemas of the public functions. */
export const RUN_FIELDS = {
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal").optional(),
  onProgress: z.custom<ProgressListener>(isFunction, "expected a function").optional(),
};
export const PROBLEM_FIELDS = {
  onProblem: z.custom<(problem: Problem) => void>(isFunction, "expected a function").optional(),
};

/** Checks `options` against `schema`; a wrong option is an InvalidInputError naming it. */
export function parseOptions<S extends z.ZodType>(fn: string, schema: S, options: unknown): z.infer<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join(".");
  throw invalidInput(`${fn}(): ${path ? `option ${path}: ` : ""}${issue.message}`);
}

/** true exactly when A and B are the same type (used to keep documented option interfaces and their schemas in step). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * A compile-time check, free at run time: `sameShape<z.input<typeof Schema>, Options>(true)`
 * fails to compile when the schema's input and the documented interface differ.
 */
export function sameShape<A, B>(same: Same<A, B>): void {
  void same;
}

/** Runs `work` with the caller's signal and progress listener; refuses to start when already aborted. */
export function runWith<T>(options: RunOptions, work: () => Promise<T>): Promise<T> {
  throwIfAborted(options.signal);
  return withRunContext({ signal: options.signal, onProgress: options.onProgress }, work);
}
