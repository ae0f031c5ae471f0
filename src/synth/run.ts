import { stat } from "node:fs/promises";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { AppendJsonl, dropPartialLastLine } from "../eval/append-jsonl.js";
import { RemoteError, type RemoteClient } from "../eval/client.js";
import type { PromptVariant } from "../eval/prompt.js";
import type { Sample } from "../schema/sample.js";
import { readAhead, runPool } from "../util/concurrency.js";
import { errorMessage, invalidInput, type Problem } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { readDoneIds } from "./done-ids.js";
import { generateWithCorrection } from "./generate.js";
import { pendingRecords, planSynthesis } from "./plan.js";
import { synthRequestContent } from "./request-content.js";
import { newSynthSummary, type SynthSummary } from "./summary.js";
import { synthesizedRecord } from "./synth-record.js";

/**
 * Stage-3 synthesis over a dataset: each pending record is generated with its ground truth
 * in the prompt, checked, corrected up to `retries` times, and appended to `out` as soon as
 * it is done, so a rerun resumes. Records whose requests fail go to `<out>.failures.jsonl`
 * (rewritten each run; they are retried by the next one).
 */
export interface SynthParams {
  dataset: string;
  images: string;
  out: string;
  client: RemoteClient;
  model: string;
  variant?: PromptVariant;
  /** Correction attempts after the first generation (default 5). */
  retries?: number;
  concurrency?: number;
  limit?: number;
  maxTokens?: number;
  onProblem?: (problem: Problem) => void;
  /** Stops starting new records (e.g. on Ctrl-C); records in progress finish. */
  signal?: AbortSignal;
}

export const DEFAULT_SYNTH_RETRIES = 5;
export const DEFAULT_SYNTH_CONCURRENCY = 8;

export function synthFailuresFile(out: string): string {
  return `${out}.failures.jsonl`;
}

export async function runSynthesis(params: SynthParams): Promise<SynthSummary> {
  const report = params.onProblem ?? (() => undefined);
  const variant = params.variant ?? "grpo";
  const retries = params.retries ?? DEFAULT_SYNTH_RETRIES;
  const concurrency = params.concurrency ?? DEFAULT_SYNTH_CONCURRENCY;
  await assertDirectory(params.images);

  const partial = await dropPartialLastLine(params.out);
  if (partial > 0) report({ file: params.out, severity: "warning", message: `discarded a partial last line (${partial} bytes) left by an interrupted run` });
  const done = await readDoneIds(params.out, report);
  const plan = await planSynthesis({ dataset: params.dataset, done, limit: params.limit, report });
  const summary = newSynthSummary({ dataset: params.dataset, out: params.out, failuresFile: synthFailuresFile(params.out), plan, partial });

  const output = await AppendJsonl.open(params.out);
  const failures = await AppendJsonl.open(summary.failures_file, { truncate: true });
  const progress = new Progress({ label: "synth", total: plan.pending, unit: "records" });
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  params.signal?.addEventListener("abort", onOuterAbort);
  let fatal: RemoteError | undefined;

  const recordFailure = (sample: Sample, error: string, kind?: string) => {
    failures.append({ id: sample.id, error, ...(kind ? { kind } : {}) });
    summary.failed++;
    progress.tick();
  };

  try {
    const prepared = readAhead(pendingRecords(params.dataset, plan.pendingLines), concurrency, async (sample) => {
      try {
        return { sample, content: await synthRequestContent({ sample, images: params.images, labelSet: plan.labelSet, variant }) };
      } catch (err) {
        return { sample, error: errorMessage(err) };
      }
    });
    await runPool({
      source: prepared,
      concurrency,
      signal: stop.signal,
      worker: async ({ sample, content, error }: { sample: Sample; content?: ChatCompletionContentPart[]; error?: string }) => {
        if (content === undefined) return recordFailure(sample, error ?? "cannot build the request", "input");
        if (stop.signal.aborted) return;
        try {
          const generation = await generateWithCorrection({
            client: params.client,
            model: params.model,
            prompt: content,
            truth: { AUs: sample.AUs, labels: sample.labels },
            retries,
            maxTokens: params.maxTokens ?? 1024,
          });
          output.append(synthesizedRecord(sample, generation, variant));
          summary.requests += generation.attempts;
          summary.usage.prompt_tokens += generation.usage.prompt_tokens;
          summary.usage.completion_tokens += generation.usage.completion_tokens;
          countWritten(summary, generation.valid, generation.attempts);
          progress.tick();
        } catch (err) {
          if (err instanceof RemoteError && err.fatal) {
            fatal ??= err;
            stop.abort();
            return;
          }
          recordFailure(sample, errorMessage(err), err instanceof RemoteError ? err.kind : undefined);
        }
      },
    });
  } finally {
    params.signal?.removeEventListener("abort", onOuterAbort);
    progress.finish();
    output.close();
    failures.close();
  }

  summary.not_attempted = plan.pending - summary.written.total - summary.failed;
  if (fatal) summary.aborted = fatal.message;
  else if (params.signal?.aborted) summary.aborted = "interrupted";
  return summary;
}

function countWritten(summary: SynthSummary, valid: boolean, attempts: number): void {
  summary.written.total++;
  if (!valid) summary.written.invalid++;
  else if (attempts === 1) summary.written.valid_first_try++;
  else {
    const key = String(attempts - 1);
    summary.written.valid_after_corrections[key] = (summary.written.valid_after_corrections[key] ?? 0) + 1;
  }
}

async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw invalidInput(info ? "is not a directory" : "no such image folder", { file: dir, field: "--images" });
}
