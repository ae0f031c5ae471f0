import { refuseEmptyInput, SENDS_NOTHING } from "../data/empty-input.js";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { readJsonl } from "../data/jsonl.js";
import { PredictionSchema, SampleSchema, imagesOf, type Sample } from "../schema/sample.js";
import type { Problem } from "../util/errors.js";
import { RemoteError } from "../util/errors.js";
import { assertImageDirectory } from "./image-folder.js";
import { imageParts } from "./image-parts.js";
import { buildPrompt, orderLabelSet } from "./prompt.js";
import { resumeOutput } from "./resume-output.js";
import { failuresFileOf, runResumable, type RemoteDatasetRunParams } from "./resumable-run.js";
import { schemaProblem } from "../data/record-check.js";

/**
 * Runs a dataset through a model behind an OpenAI-compatible server. Results are appended
 * as they arrive, so a rerun resumes where a killed run stopped; every record ends either
 * in the predictions file or in the failures file, or is counted as not attempted.
 */
export type InferParams = RemoteDatasetRunParams;

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

/**
 * An inference summary for people, one line: where the records went (done now, done before,
 * failed, not attempted), the invalid lines skipped and the predictions file.
 */
export function describeInferSummary(summary: InferSummary): string {
  return (
    `infer: ${summary.records} records: ${summary.succeeded} done now, ${summary.already_done} done before, ` +
    `${summary.failed} failed${summary.failed ? ` (see ${summary.failures_file})` : ""}, ${summary.not_attempted} not attempted; ` +
    `${summary.invalid} invalid lines skipped; predictions in ${summary.out}`
  );
}

export async function runInference(params: InferParams): Promise<InferSummary> {
  const report = params.onProblem ?? (() => undefined);
  await assertImageDirectory(params.images);
  const { partial, done } = await resumeOutput({
    out: params.out,
    report,
    redone: "the record is requested again",
    idOf: (value) => {
      const parsed = PredictionSchema.safeParse(value);
      return parsed.success ? String(parsed.data.id) : undefined;
    },
    notARecord: "not a prediction record (ignored; the record is requested again)",
  });

  const plan = await planRecords(params, done, report);
  refuseEmptyInput({ records: plan.records, read: plan.records + plan.invalid, files: [params.dataset], outcome: SENDS_NOTHING });
  const summary: InferSummary = {
    dataset: params.dataset,
    out: params.out,
    failures_file: failuresFileOf(params.out),
    records: plan.records,
    invalid: plan.invalid,
    already_done: plan.alreadyDone,
    succeeded: 0,
    failed: 0,
    not_attempted: 0,
    partial_line_discarded: partial,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  };

  const run = await runResumable({
    label: "infer",
    out: params.out,
    records: pendingSamples(params.dataset, plan.accepted, plan.labels),
    pending: plan.pending,
    concurrency: params.concurrency ?? 8,
    signal: params.signal,
    prepare: (sample) => messageContent(sample, params),
    send: async (sample, content) => {
      const completion = await params.client.chat({
        model: params.model,
        messages: [{ role: "user", content }],
        temperature: 0,
        max_tokens: params.maxTokens ?? 1024,
      });
      const choice = completion.choices?.[0];
      const output = choice?.message?.content;
      if (typeof output !== "string") throw new RemoteError("malformed", "the reply has no message content");
      summary.usage.prompt_tokens += completion.usage?.prompt_tokens ?? 0;
      summary.usage.completion_tokens += completion.usage?.completion_tokens ?? 0;
      return { id: sample.id, output, model: completion.model ?? params.model, finish_reason: choice.finish_reason ?? null };
    },
  });

  summary.succeeded = run.written;
  summary.failed = run.failed;
  summary.not_attempted = run.not_attempted;
  if (run.aborted) summary.aborted = run.aborted;
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
      report(schemaProblem(parsed.error, item.value, item));
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
  const parts = await imageParts(params.images, imagesOf(sample));
  parts.push({ type: "text", text: buildPrompt({ question: sample.question, labels: sample.labelSet, variant: params.variant }) });
  return parts;
}
