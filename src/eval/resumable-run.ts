import { readAhead, runPool } from "../util/concurrency.js";
import { errorMessage, type Problem } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { AppendJsonl } from "./append-jsonl.js";
import type { RemoteClient } from "./client.js";
import { RemoteError } from "../util/errors.js";
import type { PromptVariant } from "./prompt.js";

/** The inputs of a command that runs a dataset through a model behind an OpenAI-compatible server. */
export interface RemoteDatasetRunParams {
  dataset: string;
  /** The folder the records' image paths are relative to. */
  images: string;
  out: string;
  client: RemoteClient;
  model: string;
  variant?: PromptVariant;
  concurrency?: number;
  limit?: number;
  maxTokens?: number;
  onProblem?: (problem: Problem) => void;
  /** Stops starting new records (e.g. on Ctrl-C); records in progress finish and are recorded. */
  signal?: AbortSignal;
}

/**
 * Sends pending records to a remote model, at most `concurrency` at a time. Each result is
 * appended to `out` as it arrives, so a rerun resumes where a killed run stopped; each
 * per-record failure goes to `failuresFileOf(out)`. A fatal RemoteError (bad key, unreachable
 * endpoint, unknown model) or the outer signal stops new records from starting; the ones in
 * flight finish and are recorded. Every pending record ends written, failed, or not attempted.
 */
export interface ResumableRunParams<R extends { id: string | number }, C> {
  /** Progress label on stderr, e.g. "infer". */
  label: string;
  out: string;
  /** The pending records, in order; `pending` is how many there are. */
  records: Iterable<R> | AsyncIterable<R>;
  pending: number;
  concurrency: number;
  /** Builds a record's request (reading and encoding images); a throw is an "input" failure of the record. */
  prepare: (record: R) => Promise<C>;
  /** Sends a record's request(s) and returns the line to append to `out`; a throw is a failure of the record. */
  send: (record: R, request: C) => Promise<unknown>;
  signal?: AbortSignal;
}

export interface ResumableRunResult {
  written: number;
  failed: number;
  not_attempted: number;
  /** Why the run stopped early: the fatal error's message, or "interrupted". */
  aborted?: string;
}

/** Rewritten by each run: the failures of earlier runs are retried. */
export function failuresFileOf(out: string): string {
  return `${out}.failures.jsonl`;
}

type Prepared<R, C> = { record: R; request: C } | { record: R; error: string };

export async function runResumable<R extends { id: string | number }, C>(params: ResumableRunParams<R, C>): Promise<ResumableRunResult> {
  const output = await AppendJsonl.open(params.out);
  // Failures of earlier runs are retried, so the file describes this run only.
  const failures = await AppendJsonl.open(failuresFileOf(params.out), { truncate: true });
  const progress = new Progress({ label: params.label, total: params.pending, unit: "records" });
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  params.signal?.addEventListener("abort", onOuterAbort);
  // A Ctrl-C while the records were being planned: start none.
  if (params.signal?.aborted) stop.abort();
  let fatal: RemoteError | undefined;
  let written = 0;
  let failed = 0;

  const recordFailure = (record: R, error: string, kind?: string) => {
    failures.append({ id: record.id, error, ...(kind ? { kind } : {}) });
    failed++;
    progress.tick();
  };

  try {
    // Requests are built ahead, so a worker's next request goes out as soon as it is free.
    const prepared = readAhead(params.records, params.concurrency, async (record): Promise<Prepared<R, C>> => {
      try {
        return { record, request: await params.prepare(record) };
      } catch (err) {
        return { record, error: errorMessage(err) };
      }
    });
    await runPool({
      source: prepared,
      concurrency: params.concurrency,
      signal: stop.signal,
      worker: async (item) => {
        if ("error" in item) return recordFailure(item.record, item.error, "input");
        if (stop.signal.aborted) return;
        try {
          output.append(await params.send(item.record, item.request));
          written++;
          progress.tick();
        } catch (err) {
          if (err instanceof RemoteError && err.fatal) {
            fatal ??= err;
            stop.abort();
            return;
          }
          recordFailure(item.record, errorMessage(err), err instanceof RemoteError ? err.kind : undefined);
        }
      },
    });
  } finally {
    params.signal?.removeEventListener("abort", onOuterAbort);
    progress.finish();
    output.close();
    failures.close();
  }

  const result: ResumableRunResult = { written, failed, not_attempted: params.pending - written - failed };
  if (fatal) result.aborted = fatal.message;
  else if (params.signal?.aborted) result.aborted = "interrupted";
  return result;
}
