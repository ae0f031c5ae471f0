import { access, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { readJsonl } from "../data/jsonl.js";
import { PredictionSchema, SampleSchema, imagesOf, type Sample } from "../schema/sample.js";
import { errorMessage, invalidInput, type Problem } from "../util/errors.js";
import { readAhead, runPool } from "../util/concurrency.js";
import { Progress } from "../util/progress.js";
import { AppendJsonl, dropPartialLastLine } from "./append-jsonl.js";
import { RemoteError, type RemoteClient } from "./client.js";
import { imageDataUrl } from "./image-data-url.js";
import { ImageError } from "../data/images.js";
import { buildPrompt, orderLabelSet, type PromptVariant } from "./prompt.js";

/**
 * Runs a dataset through a model behind an OpenAI-compatible server. Results are appended
 * as they arrive, so a rerun resumes where a killed run stopped; every record ends either
 * in the predictions file or in the failures file, or is counted as not attempted.
 */
export interface InferParams {
  dataset: string;
  images: string;
  out: string;
  client: RemoteClient;
  model: string;
  variant?: PromptVariant;
  concurrency?: number;
  limit?: number;
  maxTokens?: number;
  onProblem?: (problem: Problem) => void;
  /** Stops starting new requests (e.g. on Ctrl-C); running ones finish and are recorded. */
  signal?: AbortSignal;
}

export interface InferSummary {
  dataset: string;
  out: string;
  failures_file: string;
  /** Valid records considered (after --limit). */
  records: number;
  /** Lines skipped: unreadable, invalid records, duplicate ids. */
  invalid: number;
  already_done: number;
  succeeded: number;
  failed: number;
  not_attempted: number;
  /** Bytes of a partial last line (from a killed run) removed from the predictions file. */
  partial_line_discarded: number;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Why the run stopped early (bad key, unreachable endpoint, unknown model, interrupted). */
  aborted?: string;
}

export function failuresFileOf(out: string): string {
  return `${out}.failures.jsonl`;
}

export async function runInference(params: InferParams): Promise<InferSummary> {
  const report = params.onProblem ?? (() => undefined);
  await assertDirectory(params.images);
  const failuresFile = failuresFileOf(params.out);
  const partial = await dropPartialLastLine(params.out);
  if (partial > 0) report({ file: params.out, severity: "warning", message: `discarded a partial last line (${partial} bytes) left by an interrupted run` });
  const done = await readDoneIds(params.out, report);

  const plan = await planRecords(params, done, report);
  const summary: InferSummary = {
    dataset: params.dataset,
    out: params.out,
    failures_file: failuresFile,
    records: plan.records,
    invalid: plan.invalid,
    already_done: plan.alreadyDone,
    succeeded: 0,
    failed: 0,
    not_attempted: 0,
    partial_line_discarded: partial,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  };

  const predictions = await AppendJsonl.open(params.out);
  // Failures of earlier runs are retried, so the file describes this run only.
  const failures = await AppendJsonl.open(failuresFile, { truncate: true });
  const progress = new Progress({ label: "infer", total: plan.pending, unit: "records" });
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
    const concurrency = params.concurrency ?? 8;
    // Images are read and encoded ahead, so a worker's next request goes out as soon as it is free.
    const prepared = readAhead(pendingSamples(params.dataset, plan.accepted, plan.labels), concurrency, async (sample) => {
      try {
        return { sample, content: await messageContent(sample, params) };
      } catch (err) {
        return { sample, error: errorMessage(err) };
      }
    });
    await runPool({
      source: prepared,
      concurrency,
      signal: stop.signal,
      worker: async ({ sample, content, error }) => {
        if (content === undefined) {
          recordFailure(sample, error ?? "cannot build the request", "input");
          return;
        }
        if (stop.signal.aborted) return;
        try {
          const completion = await params.client.chat({
            model: params.model,
            messages: [{ role: "user", content }],
            temperature: 0,
            max_tokens: params.maxTokens ?? 1024,
          });
          const choice = completion.choices?.[0];
          const output = choice?.message?.content;
          if (typeof output !== "string") {
            recordFailure(sample, "the reply has no message content", "malformed");
            return;
          }
          summary.usage.prompt_tokens += completion.usage?.prompt_tokens ?? 0;
          summary.usage.completion_tokens += completion.usage?.completion_tokens ?? 0;
          predictions.append({ id: sample.id, output, model: completion.model ?? params.model, finish_reason: choice.finish_reason ?? null });
          summary.succeeded++;
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
    predictions.close();
    failures.close();
  }

  summary.not_attempted = plan.pending - summary.succeeded - summary.failed;
  if (fatal) summary.aborted = fatal.message;
  else if (params.signal?.aborted) summary.aborted = "interrupted";
  return summary;
}

interface Plan {
  records: number;
  invalid: number;
  alreadyDone: number;
  pending: number;
  /** Line numbers of the records to request. */
  accepted: Set<number>;
  labels: string[];
}

/** First pass: validates, counts, and finds the file's label set, which every prompt needs. */
async function planRecords(params: InferParams, done: Set<string>, report: (p: Problem) => void): Promise<Plan> {
  const plan: Plan = { records: 0, invalid: 0, alreadyDone: 0, pending: 0, accepted: new Set(), labels: [] };
  const seen = new Set<string>();
  const labels = new Set<string>();
  for await (const item of readJsonl(params.dataset)) {
    if (item.kind === "unreadable") {
      plan.invalid++;
      report(item.problem);
      continue;
    }
    const parsed = SampleSchema.safeParse(item.value);
    if (!parsed.success) {
      plan.invalid++;
      const issue = parsed.error.issues[0];
      report({ file: item.file, line: item.line, field: issue.path.join(".") || undefined, message: issue.message });
      continue;
    }
    const sample = parsed.data;
    for (const label of sample.labels) labels.add(label.trim());
    if (params.limit !== undefined && plan.records >= params.limit) continue;
    const key = String(sample.id);
    if (seen.has(key)) {
      plan.invalid++;
      report({ file: item.file, line: item.line, field: "id", message: `duplicate id "${key}" (the first one is used)` });
      continue;
    }
    seen.add(key);
    plan.records++;
    if (done.has(key)) {
      plan.alreadyDone++;
      continue;
    }
    plan.pending++;
    plan.accepted.add(item.line);
  }
  labels.delete("");
  plan.labels = orderLabelSet(labels);
  return plan;
}

async function* pendingSamples(dataset: string, accepted: Set<number>, labelSet: string[]): AsyncGenerator<Sample & { labelSet: string[] }> {
  for await (const item of readJsonl(dataset)) {
    if (item.kind !== "value" || !accepted.has(item.line)) continue;
    const parsed = SampleSchema.safeParse(item.value);
    if (parsed.success) yield { ...parsed.data, labelSet };
  }
}

async function messageContent(sample: Sample & { labelSet?: string[] }, params: InferParams): Promise<ChatCompletionContentPart[]> {
  const parts: ChatCompletionContentPart[] = [];
  for (const image of imagesOf(sample)) {
    let url: string;
    try {
      url = await imageDataUrl(params.images, image);
    } catch (err) {
      if (err instanceof ImageError) {
        const where = join(params.images, image);
        throw new Error(err.kind === "missing" ? `image not found: ${where}` : `${where}: ${err.message}`);
      }
      throw err;
    }
    parts.push({ type: "image_url", image_url: { url } });
  }
  parts.push({ type: "text", text: buildPrompt({ question: sample.question, labels: sample.labelSet, variant: params.variant }) });
  return parts;
}

/** Ids already in the predictions file; lines that are not predictions are reported and ignored. */
async function readDoneIds(out: string, report: (p: Problem) => void): Promise<Set<string>> {
  const done = new Set<string>();
  try {
    await access(out);
  } catch {
    return done;
  }
  for await (const item of readJsonl(out)) {
    if (item.kind === "unreadable") {
      report({ ...item.problem, severity: "warning", message: `${item.problem.message} (ignored; the record is requested again)` });
      continue;
    }
    const parsed = PredictionSchema.safeParse(item.value);
    if (!parsed.success) {
      report({ file: item.file, line: item.line, severity: "warning", message: "not a prediction record (ignored; the record is requested again)" });
      continue;
    }
    done.add(String(parsed.data.id));
  }
  return done;
}

async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw invalidInput(info ? "is not a directory" : "no such image folder", { file: dir, field: "--images" });
}
