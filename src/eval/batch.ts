import { readFile, rm } from "node:fs/promises";
import type { Batch } from "openai/resources/batches";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { errorMessage, failure } from "../util/errors.js";
import { sha256, writeFileAtomic } from "../util/fs.js";
import { sleep } from "../util/retry.js";
import type { RemoteClient } from "./client.js";

/**
 * Chat completions through the OpenAI Batch API (half price, results within 24 h):
 * upload a JSONL of requests, create the batch, poll until it ends, read the output and
 * error files. The batch id is kept in a state file as soon as the batch exists, so a rerun
 * (after a kill, or after `wait: false`) polls the same batch instead of paying twice.
 *
 * A kill between creating a batch and saving its id leaves no id behind. So every batch
 * carries a tag in its metadata, the sha256 of its input file and settings, and before
 * creating one the organization's batches are listed: a batch with the same tag that has not
 * failed, expired or been cancelled is used instead of submitting the same requests again.
 */
export const BATCH_MAX_REQUESTS = 50_000;
/** The Batch API's limit on an input file's size. */
export const BATCH_MAX_BYTES = 200 * 1024 * 1024;

const TERMINAL = new Set(["completed", "failed", "expired", "cancelled"]);
/** A batch in one of these states does not answer its requests: one with the same tag is submitted anew. */
const UNUSABLE = new Set(["failed", "expired", "cancelling", "cancelled"]);
/** The metadata key of the tag. */
export const BATCH_TAG_KEY = "facial_r1_tag";
const COMPLETION_WINDOW = "24h";
/** Pages of 100 batches looked through for a tagged one (the newest come first). */
const MAX_LIST_PAGES = 100;

export const BatchStateSchema = z.object({
  batch_id: z.string().min(1),
  input_file_id: z.string(),
  requests: z.number().int(),
  endpoint: z.string(),
  submitted_at: z.string(),
  tag: z.string().optional(),
});

export type BatchState = z.infer<typeof BatchStateSchema>;

export interface BatchRequest {
  customId: string;
  body: ChatCompletionCreateParamsNonStreaming;
}

export interface BatchLineResult {
  customId: string;
  completion?: ChatCompletion;
  error?: string;
}

export interface BatchOutcome {
  batchId: string;
  status: string;
  /** False when `wait` was off and the batch is still running. */
  finished: boolean;
  /** Whether this call submitted the batch (false: an earlier run did). */
  submitted: boolean;
  /** Whether this call found the batch by its tag: an earlier run created it and was stopped before saving its id. */
  reused: boolean;
  requestCounts?: { total: number; completed: number; failed: number };
  results: BatchLineResult[];
  /** Why a batch that ended other than "completed" ended so. */
  message?: string;
}

/** Where a batch's state is kept, when not in a file of its own (e.g. inside a larger state file). */
export interface BatchStateStore {
  /** Names the store in messages, e.g. its file. */
  label: string;
  read(): Promise<BatchState | undefined>;
  /** Must be durable when it resolves: a rerun after a kill relies on it. */
  write(state: BatchState): Promise<void>;
}

export interface BatchRunParams {
  client: RemoteClient;
  /** A state file of its own, or a store. */
  stateFile: string | BatchStateStore;
  /** Requests to submit when no batch is in the state file; ignored when resuming. */
  requests: BatchRequest[];
  pollIntervalMs: number;
  wait: boolean;
  onStatus?: (batch: Batch) => void;
  /** Called when a batch an earlier run created is found by its tag and used. */
  onReuse?: (batch: Batch) => void;
}

/** Resumes the batch in the state file, or submits `requests`; undefined when there is nothing to do. */
export async function runBatch(params: BatchRunParams): Promise<BatchOutcome | undefined> {
  const store = typeof params.stateFile === "string" ? fileStateStore(params.stateFile) : params.stateFile;
  let state = await store.read();
  let submitted = false;
  let reused = false;
  if (state && state.endpoint !== params.client.endpoint) {
    throw failure(`${store.label}: holds batch ${state.batch_id} of ${state.endpoint}, not of ${params.client.endpoint}; use that endpoint, or delete the file to submit anew`);
  }
  if (!state) {
    if (params.requests.length === 0) return undefined;
    if (params.requests.length > BATCH_MAX_REQUESTS) {
      throw failure(`${params.requests.length} requests are over the Batch API limit of ${BATCH_MAX_REQUESTS} per batch; judge in parts`);
    }
    const lines = params.requests.map(batchLineOf);
    const input = `${lines.join("\n")}\n`;
    const tag = batchTag(input);
    const earlier = await findTaggedBatch(params.client, tag);
    if (earlier) {
      state = { batch_id: earlier.id, input_file_id: earlier.input_file_id, requests: lines.length, endpoint: params.client.endpoint, submitted_at: new Date(earlier.created_at * 1000).toISOString(), tag };
      await store.write(state);
      reused = true;
      params.onReuse?.(earlier);
    } else {
      const inputFileId = await params.client.uploadFile({ name: "batch-input.jsonl", bytes: Buffer.from(input), purpose: "batch" });
      const batch = await params.client.createBatch({ inputFileId, endpoint: CHAT_ENDPOINT, metadata: { [BATCH_TAG_KEY]: tag } });
      state = { batch_id: batch.id, input_file_id: inputFileId, requests: lines.length, endpoint: params.client.endpoint, submitted_at: new Date().toISOString(), tag };
      await store.write(state);
      submitted = true;
    }
  }

  let batch: Batch;
  while (true) {
    batch = await params.client.retrieveBatch(state.batch_id);
    params.onStatus?.(batch);
    if (TERMINAL.has(batch.status)) break;
    if (!params.wait) return { batchId: batch.id, status: batch.status, finished: false, submitted, reused, requestCounts: batch.request_counts, results: [] };
    await sleep(params.pollIntervalMs);
  }

  const results: BatchLineResult[] = [];
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    const text = await params.client.fileContent(fileId);
    for (const line of text.split("\n")) if (line.trim()) results.push(parseOutputLine(line));
  }
  const message =
    batch.status === "completed" ? undefined : `batch ${batch.id} ${batch.status}${batch.errors?.data?.length ? `: ${batch.errors.data.map((e) => e.message).join("; ")}` : ""}`;
  return { batchId: batch.id, status: batch.status, finished: true, submitted, reused, requestCounts: batch.request_counts, results, message };
}

const CHAT_ENDPOINT = "/v1/chat/completions";

/**
 * What the SDK reports of a Batch API batch (the fields of OpenAI's `Batch` object it reads):
 * its id, its status (validating, in_progress, finalizing, completed, failed, expired, ...)
 * and how many of its requests are done.
 */
export interface BatchInfo {
  id: string;
  status: string;
  request_counts?: { completed: number; failed: number; total: number };
}

/**
 * A batch's status line for people, as each status check sees it:
 * `batch ID: STATUS (DONE/TOTAL done, FAILED failed)`.
 */
export function describeBatchStatus(batch: BatchInfo): string {
  const counts = batch.request_counts;
  return `batch ${batch.id}: ${batch.status}${counts ? ` (${counts.completed}/${counts.total} done, ${counts.failed} failed)` : ""}`;
}

/**
 * What to say when a batch is found by its tag: an earlier run submitted the same requests
 * and stopped before saving the batch's id, so that batch is used instead of paying again.
 */
export function describeBatchReuse(batch: BatchInfo): string {
  return `batch ${batch.id} (${batch.status}) holds these same requests: a run submitted it and stopped before saving its id; using it instead of paying again`;
}

/** The tag of a batch: the sha256 of its input file and of the settings it is created with. */
export function batchTag(input: string): string {
  return sha256(`${CHAT_ENDPOINT}\n${COMPLETION_WINDOW}\n${input}`);
}

/** The newest batch carrying `tag` that still answers (running or finished), from the organization's list. */
async function findTaggedBatch(client: RemoteClient, tag: string): Promise<Batch | undefined> {
  let after: string | undefined;
  let found: Batch | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const { data, hasMore } = await client.listBatches(after);
    for (const batch of data) {
      if (batch.metadata?.[BATCH_TAG_KEY] !== tag || UNUSABLE.has(batch.status)) continue;
      if (!found || batch.created_at > found.created_at) found = batch;
    }
    if (!hasMore || data.length === 0) break;
    after = data[data.length - 1].id;
  }
  return found;
}

/** A request's line in the batch input file. */
export function batchLineOf(request: BatchRequest): string {
  return JSON.stringify({ custom_id: request.customId, method: "POST", url: "/v1/chat/completions", body: request.body });
}

/** Forgets a finished batch (call after its results are stored), so the next run submits anew. */
export async function clearBatchState(stateFile: string): Promise<void> {
  await rm(stateFile, { force: true });
}

function fileStateStore(stateFile: string): BatchStateStore {
  return {
    label: stateFile,
    read: () => readBatchState(stateFile),
    write: (state) => writeFileAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`),
  };
}

export async function readBatchState(stateFile: string): Promise<BatchState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile, "utf8");
  } catch {
    return undefined;
  }
  try {
    return BatchStateSchema.parse(JSON.parse(text));
  } catch (err) {
    throw failure(`not a batch state file (${errorMessage(err)}); delete it to submit a new batch`, { file: stateFile });
  }
}

function parseOutputLine(line: string): BatchLineResult {
  let value: { custom_id?: unknown; response?: { status_code?: number; body?: unknown } | null; error?: { code?: string; message?: string } | null };
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { customId: "", error: `unreadable batch output line: ${errorMessage(err)}` };
  }
  const customId = typeof value.custom_id === "string" ? value.custom_id : "";
  if (value.error) return { customId, error: `batch request failed: ${value.error.code ?? "error"}: ${value.error.message ?? ""}`.trim() };
  const response = value.response;
  if (!response) return { customId, error: "batch output line without response" };
  if (response.status_code !== 200) {
    const message = (response.body as { error?: { message?: string } } | undefined)?.error?.message ?? "";
    return { customId, error: `HTTP ${response.status_code}${message ? `: ${message}` : ""}` };
  }
  return { customId, completion: response.body as ChatCompletion };
}
