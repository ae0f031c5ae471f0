import { readFile, rm } from "node:fs/promises";
import type { Batch } from "openai/resources/batches";
import { z } from "zod";
import { AppendJsonl } from "../eval/append-jsonl.js";
import { BATCH_MAX_BYTES, BATCH_MAX_REQUESTS, BatchStateSchema, batchLineOf, runBatch, type BatchOutcome, type BatchRequest } from "../eval/batch.js";
import { RemoteError } from "../util/errors.js";
import { failuresFileOf } from "../eval/resumable-run.js";
import type { Sample } from "../schema/sample.js";
import { errorMessage, failure } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { sleep } from "../util/retry.js";
import { attemptRequest, newAttemptState, recordAttempt, type Generation } from "./generate.js";
import { pendingRecords } from "./plan.js";
import { SYNTH_PROBLEM_CODES } from "./quality-check.js";
import { synthRequestContent } from "./request-content.js";
import { DEFAULT_SYNTH_RETRIES, startSynthesis, type SynthParams } from "./run.js";
import { countWritten, type SynthRound, type SynthSummary } from "./summary.js";
import { synthesizedRecord } from "./synth-record.js";

/**
 * Stage-3 synthesis through the OpenAI Batch API (half price, results within 24 h), in
 * rounds: round 0 asks for the first output of every pending record; each output is checked
 * as online (`recordAttempt`), records that pass (or run out of corrections) are appended to
 * `out`, and the others go into the next round's batch with the same correction messages
 * the online path sends. A round is split into batches within the Batch API's limits (requests
 * and bytes per input file); each batch's requests are built (images read) just before it is
 * submitted, so memory holds one batch at a time.
 *
 * Everything a rerun needs is in one state file, `<out>.batch.json`, written atomically
 * before and after each submission and after each round's records are appended: the round,
 * its batches, and each unfinished record's attempts. A rerun after a kill or `wait: false`
 * polls the same batches (never submitting a request twice) and skips the records already
 * in `out`. Request failures go to `<out>.failures.jsonl`; their records keep their attempts
 * and continue in the next run. The state file is removed once nothing is left to resume.
 */
export interface BatchSynthParams extends SynthParams {
  /** Poll until every round is done (default), or submit/check once and return. */
  wait?: boolean;
  pollIntervalMs?: number;
  /** Requests per batch (default and maximum: the Batch API's limit). */
  maxRequestsPerBatch?: number;
  /** Bytes of a batch's input file (default and maximum: the Batch API's limit). */
  maxBytesPerBatch?: number;
  /** Called when a round's results have been read. */
  onRound?: (round: SynthRound) => void;
  onStatus?: (batch: Batch) => void;
  /** Called when a batch an earlier run created (and was stopped before saving) is found by its tag. */
  onReuse?: (batch: Batch) => void;
}

export function synthBatchStateFileOf(out: string): string {
  return `${out}.batch.json`;
}

const ProblemSchema = z.object({
  code: z.enum(SYNTH_PROBLEM_CODES),
  message: z.string(),
});
const UsageSchema = z.object({ prompt_tokens: z.number(), completion_tokens: z.number() });
const AttemptStateSchema = z.object({
  attempts: z.number().int().min(1),
  first: z.object({ output: z.string(), problems: z.array(ProblemSchema) }).optional(),
  previous: z.object({ output: z.string(), correction: z.string() }).optional(),
  model: z.string(),
  usage: UsageSchema,
});
const SynthBatchStateSchema = z.object({
  version: z.literal(1),
  endpoint: z.string(),
  model: z.string(),
  /** The round in flight (or the next one, when `chunks` is empty). */
  round: z.number().int().min(0),
  /** The round's batches: the record ids of each, and its batch once submitted. */
  chunks: z.array(z.object({ ids: z.array(z.string()), batch: BatchStateSchema.optional() })),
  /** Records with attempts that all failed the check, by id. */
  records: z.record(z.string(), AttemptStateSchema),
});
type SynthBatchState = z.infer<typeof SynthBatchStateSchema>;

export async function runBatchSynthesis(params: BatchSynthParams): Promise<SynthSummary> {
  const variant = params.variant ?? "grpo";
  const retries = params.retries ?? DEFAULT_SYNTH_RETRIES;
  const maxTokens = params.maxTokens ?? 1024;
  const limits = {
    requests: Math.min(params.maxRequestsPerBatch ?? BATCH_MAX_REQUESTS, BATCH_MAX_REQUESTS),
    bytes: Math.min(params.maxBytesPerBatch ?? BATCH_MAX_BYTES, BATCH_MAX_BYTES),
  };
  const stateFile = synthBatchStateFileOf(params.out);
  const { plan, summary } = await startSynthesis(params);
  summary.rounds = [];

  const state = (await readSynthBatchState(stateFile)) ?? newState(params.client.endpoint, params.model);
  if (state.endpoint !== params.client.endpoint || state.model !== params.model) {
    throw failure(`holds the batches of model ${state.model} at ${state.endpoint}; use those --endpoint and --model, or delete the file to start anew`, { file: stateFile });
  }
  const save = () => writeFileAtomic(stateFile, `${JSON.stringify(state)}\n`);

  // The records still to write; attempts of records that are written or gone are forgotten.
  const active = new Map<string, Sample>();
  for await (const sample of pendingRecords(params.dataset, plan.pendingLines)) active.set(String(sample.id), sample);
  for (const id of Object.keys(state.records)) if (!active.has(id)) delete state.records[id];

  const output = await AppendJsonl.open(params.out);
  const failures = await AppendJsonl.open(failuresFileOf(params.out), { truncate: true });
  const fail = (id: string, error: string, kind: string) => {
    failures.append({ id: active.get(id)?.id ?? id, error, kind });
    active.delete(id);
    summary.failed++;
  };
  const requestOf = async (id: string): Promise<BatchRequest> => {
    const sample = active.get(id)!;
    const prompt = await synthRequestContent({ sample, images: params.images, labelSet: plan.labelSet, variant });
    return { customId: id, body: attemptRequest({ model: params.model, prompt, state: state.records[id] ?? newAttemptState(params.model), maxTokens }) };
  };
  /** Builds the requests of `ids`; a record whose image cannot be read fails here, before any payment. */
  const buildRequests = async (ids: readonly string[], each: (request: BatchRequest) => void): Promise<void> => {
    for (const id of ids) {
      if (!active.has(id)) continue;
      let request: BatchRequest;
      try {
        request = await requestOf(id);
      } catch (err) {
        fail(id, errorMessage(err), "input");
        continue;
      }
      each(request);
    }
  };
  /** Splits the active records into batches within the limits, by the size of their lines. */
  const planRound = async (): Promise<string[][]> => {
    const chunks: string[][] = [];
    let bytes = Infinity;
    await buildRequests([...active.keys()], (request) => {
      const size = Buffer.byteLength(batchLineOf(request)) + 1;
      if (size > limits.bytes) return fail(request.customId, `its request (${size} bytes) is over the Batch API's input file limit of ${limits.bytes} bytes`, "input");
      const last = chunks.at(-1);
      if (!last || last.length >= limits.requests || bytes + size > limits.bytes) {
        chunks.push([request.customId]);
        bytes = size;
      } else {
        last.push(request.customId);
        bytes += size;
      }
    });
    return chunks;
  };

  try {
    for (;;) {
      if (state.chunks.length === 0) {
        const chunks = await planRound();
        if (chunks.length === 0) break;
        state.chunks = chunks.map((ids) => ({ ids }));
        await save();
      }

      // Every batch of the round is submitted first, then all are polled together.
      const byChunk: (BatchOutcome | undefined)[] = [];
      let submitted = false;
      let reused = false;
      for (;;) {
        for (const [k, chunk] of state.chunks.entries()) {
          if (byChunk[k]?.finished) continue;
          const requests: BatchRequest[] = [];
          if (!chunk.batch) await buildRequests(chunk.ids, (request) => requests.push(request));
          byChunk[k] = await runBatch({
            client: params.client,
            stateFile: {
              label: `${stateFile} (round ${state.round}, batch ${k + 1} of ${state.chunks.length})`,
              read: async () => chunk.batch,
              write: async (batch) => {
                chunk.batch = batch;
                await save();
              },
            },
            requests,
            pollIntervalMs: 0,
            wait: false,
            onStatus: params.onStatus,
            onReuse: params.onReuse,
          });
          submitted ||= byChunk[k]?.submitted ?? false;
          reused ||= byChunk[k]?.reused ?? false;
        }
        if (!(params.wait ?? true) || byChunk.every((o) => !o || o.finished)) break;
        await sleep(params.pollIntervalMs ?? 30_000);
      }
      const outcomes = byChunk.filter((o): o is BatchOutcome => o !== undefined);
      summary.batch = {
        ids: outcomes.map((o) => o.batchId),
        status: [...new Set(outcomes.map((o) => o.status))].join(", "),
        pending: outcomes.some((o) => !o.finished),
        submitted,
        reused,
        round: state.round,
      };
      if (summary.batch.pending) break;
      if (outcomes.length === 0) {
        // Every record of the round was written or failed before its batch was submitted.
        state.chunks = [];
        await save();
        continue;
      }

      const write = (sample: Sample, generation: Generation) => {
        output.append(synthesizedRecord(sample, generation, variant));
        countWritten(summary, generation);
      };
      const round = readRound({ state, outcomes, active, retries, fail, write });
      summary.rounds.push(round);
      params.onRound?.(round);
      // The round's records are on disk (appended synchronously): now the state may forget it.
      state.round++;
      state.chunks = [];
      await save();
    }
  } finally {
    output.close();
    failures.close();
  }
  if (active.size > 0 && summary.batch?.pending) summary.in_batch = active.size;
  // Nothing left to resume (no batch in flight, no attempts kept for failed records).
  if (state.chunks.length === 0 && Object.keys(state.records).length === 0) await rm(stateFile, { force: true });
  return summary;
}

/**
 * Reads a finished round: each reply is checked; the record is written when it is done, or
 * keeps its attempts for the next round. A record without a usable reply fails.
 */
function readRound(p: {
  state: SynthBatchState;
  outcomes: BatchOutcome[];
  active: Map<string, Sample>;
  retries: number;
  fail: (id: string, error: string, kind: string) => void;
  write: (sample: Sample, generation: Generation) => void;
}): SynthRound {
  const { state, active } = p;
  const round: SynthRound = { round: state.round, batch_ids: p.outcomes.map((o) => o.batchId), requests: 0, usage: { prompt_tokens: 0, completion_tokens: 0 }, written: 0, to_correct: 0, failed: 0 };
  const answered = new Set<string>();
  const fail = (id: string, error: string, kind: string) => {
    p.fail(id, error, kind);
    round.failed++;
  };
  for (const outcome of p.outcomes) {
    for (const line of outcome.results) {
      const sample = active.get(line.customId);
      // Records written by an earlier run of this round (killed before the state was saved).
      if (!sample || answered.has(line.customId)) continue;
      answered.add(line.customId);
      round.requests++;
      if (!line.completion) {
        fail(line.customId, line.error ?? "batch request failed", "batch");
        continue;
      }
      round.usage.prompt_tokens += line.completion.usage?.prompt_tokens ?? 0;
      round.usage.completion_tokens += line.completion.usage?.completion_tokens ?? 0;
      let step: ReturnType<typeof recordAttempt>;
      try {
        step = recordAttempt({
          state: state.records[line.customId] ?? newAttemptState(state.model),
          completion: line.completion,
          truth: { AUs: sample.AUs, labels: sample.labels },
          retries: p.retries,
        });
      } catch (err) {
        fail(line.customId, errorMessage(err), err instanceof RemoteError ? err.kind : "malformed");
        continue;
      }
      if ("next" in step) {
        state.records[line.customId] = step.next;
        round.to_correct++;
        continue;
      }
      p.write(sample, step.done);
      round.written++;
      active.delete(line.customId);
      delete state.records[line.customId];
    }
    // Requests without a line: the batch failed, expired or was cancelled before reaching them.
    const chunk = state.chunks.find((c) => c.batch?.batch_id === outcome.batchId);
    for (const id of chunk?.ids ?? []) {
      if (active.has(id) && !answered.has(id)) fail(id, outcome.message ?? `batch ${outcome.batchId}: no result for this request`, "batch");
    }
  }
  return round;
}

function newState(endpoint: string, model: string): SynthBatchState {
  return { version: 1, endpoint, model, round: 0, chunks: [], records: {} };
}

async function readSynthBatchState(file: string): Promise<SynthBatchState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = SynthBatchStateSchema.safeParse(safeJson(text));
  if (!parsed.success) throw failure(`not a synth batch state file (${parsed.error.issues[0]?.message ?? "unreadable"}); delete it to start anew (records already in --out are kept)`, { file });
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
