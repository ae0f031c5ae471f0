/**
 * A local stand-in for the hosted OpenAI API (and for vLLM's OpenAI-compatible server), for
 * tests and benchmarks. It speaks the wire protocol the `openai` SDK uses:
 *
 *   POST /v1/chat/completions   plain text answers, or JSON content for `response_format: json_schema`
 *   POST /v1/files              multipart upload (purpose "batch")
 *   GET  /v1/files/{id}/content
 *   POST /v1/batches            GET /v1/batches/{id}   (the batch completes after a few polls)
 *   GET  /v1/batches?limit=&after=   newest first, `{object: "list", data, first_id, last_id, has_more}`,
 *                               each batch with the `metadata` it was created with (null without)
 *   GET  /v1/models
 *
 * Answers are deterministic functions of the request, so tests can check content:
 * - the item of a chat request is the id in its image's `facial-r1-id` PNG text chunk
 *   (see `testImageBytes`), else a hash of its text;
 * - the model's answer is `modelAnswer(id)`;
 * - a judge request (json_schema) is answered from a `judge:<n>` marker in the candidate text
 *   (`judge:bad` = not JSON, `judge:long` = cut off by max_tokens), else from a hash of the text.
 *
 * - a synthesis request (stage 3: its first user message carries the ground-truth section of
 *   `src/synth/synth-prompt.ts`) is answered from that section: the named AUs in the think
 *   block and the named emotion in the answer block, unless `synthesis.mistakes` makes the
 *   item err for its first k attempts. A request without an assistant message is attempt 1;
 *   one that carries a previous output (a correction) is one more than the attempt last
 *   answered for the item. The text of every synthesis conversation is recorded. Synthesis
 *   lines of a batch are numbered, answered and recorded the same way when the batch completes.
 * - batch lines end as error lines for the `judge:batch-error` marker or `batchLineError`.
 *
 * Faults are injected by configuration: 429 with retry-after, 500, slow replies, connection
 * resets, malformed JSON, and 401 for a wrong key. Every chat request is counted per item.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32, encodePng } from "../../src/util/png.js";
import { GROUND_TRUTH_AUS, GROUND_TRUTH_EMOTION, GROUND_TRUTH_HEADER } from "../../src/synth/synth-prompt.js";

export type FaultKind = "429" | "500" | "slow" | "reset" | "malformed";

export interface FaultConfig {
  /** Fraction of items whose first `repeat` chat requests fail. */
  rate: number;
  kinds: FaultKind[];
  /** How many consecutive requests of a faulty item fail (default 1: the retry succeeds). */
  repeat?: number;
  /** Fraction of items that fail on every request, with a 500 (they end as recorded failures). */
  persistentRate?: number;
  /** Delay of a "slow" fault; set it beyond the client's timeout. */
  slowMs?: number;
  /** What 429 (and 500) replies say: `retry-after-ms` when set, else (429 only) `retry-after` in seconds. */
  retryAfterMs?: number;
  retryAfterSeconds?: number;
}

/** Ways a synthesis answer can fail the quality check. */
export type SynthMistakeKind = "au" | "label" | "empty-think" | "no-answer";

export interface SynthMistake {
  kinds: SynthMistakeKind[];
  /** The first `attempts` attempts of the item carry the mistakes; later ones are right. */
  attempts: number;
}

export interface SynthesisConfig {
  /** The mistakes an item makes, by item id (undefined: none). */
  mistakes?: (item: string) => SynthMistake | undefined;
}

/** One synthesis request as received: its attempt number and the text of its messages. */
export interface SynthExchange {
  attempt: number;
  messages: { role: string; text: string }[];
}

export interface StandInOptions {
  /** Fixed time from a chat request's arrival to its reply. */
  latencyMs?: number;
  /** Required bearer key; requests with another key get a 401 (whose message echoes the key). */
  apiKey?: string;
  /** Known model names; others get a 404. Any model is accepted when unset. */
  models?: string[];
  faults?: FaultConfig;
  /** Retrieve calls a batch stays "in_progress" before it completes (default 1). */
  batchPolls?: number;
  /** A batch that never completes (for resume tests). */
  batchNeverCompletes?: boolean;
  /** Batches end "failed" with this message instead of completing. */
  batchFailure?: string;
  /** Synthesis mode settings (synthesis requests are answered from their ground truth either way). */
  synthesis?: SynthesisConfig;
  /**
   * Batch lines that end as error lines (`response: null`), by item and the item's count of
   * batch lines so far (1-based), besides the `judge:batch-error` marker.
   */
  batchLineError?: (item: string, line: number) => boolean;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
  /** Called with every chat request as it arrives (before faults), e.g. to log it. */
  onChat?: (request: ChatRequest) => void;
  /**
   * Called once a batch is created and before the reply is sent; the reply waits for it. A test
   * kills the client here: the batch exists, but the client never learnt its id.
   */
  onBatchCreated?: (batchId: string) => Promise<void> | void;
}

export interface StandInStats {
  chatRequests: number;
  /** Requests refused with 401. */
  unauthorized: number;
  /** Chat requests per item (all attempts, faulty ones included). */
  requestsByItem: Map<string, number>;
  /** Arrival times (ms since the epoch) of the chat requests per item. */
  requestTimes: Map<string, number[]>;
  /** Successful chat replies per item. */
  answersByItem: Map<string, number>;
  filesUploaded: number;
  batchesCreated: number;
  batchRetrieves: number;
  /** GET /v1/batches requests (pages). */
  batchListPages: number;
  /** Bodies of the chat requests, when `keepBodies` was set. */
  bodies: unknown[];
  /** Synthesis requests per item, faulty ones included, in arrival order (batch lines included). */
  synthRequests: Map<string, SynthExchange[]>;
  /** Lines of the batches completed so far, per item. */
  batchLinesByItem: Map<string, number>;
}

export interface StandIn {
  url: string;
  stats: StandInStats;
  options: StandInOptions;
  keepBodies: boolean;
  close(): Promise<void>;
}

const ID_KEYWORD = "facial-r1-id";

/** A valid 2x2 PNG carrying `id` in a tEXt chunk (keyword `facial-r1-id`) before IEND. */
export function testImageBytes(id: string | number): Buffer {
  const png = encodePng(2, 2, new Uint8Array([0, 85, 170, 255]));
  const typeAndData = Buffer.concat([Buffer.from("tEXt"), Buffer.from(`${ID_KEYWORD}\0${id}`, "latin1")]);
  const chunk = Buffer.alloc(typeAndData.length + 8);
  chunk.writeUInt32BE(typeAndData.length - 4, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), chunk.length - 4);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

/** The answer the stand-in model gives for an item. */
export function modelAnswer(id: string): string {
  const n = Number.parseInt(sha(id).slice(0, 4), 16);
  const au = [1, 2, 4, 6, 12, 15][n % 6];
  const label = ["happiness", "sadness", "anger", "surprise"][n % 4];
  return `<think>Record ${id}: AU${au} is active.</think><answer>${label}</answer>`;
}

/** The judge score the stand-in gives when the candidate carries no `judge:` marker. */
export function defaultJudgeScore(text: string): number {
  return (Number.parseInt(sha(text).slice(0, 4), 16) % 10) + 1;
}

export async function startOpenAiStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const stats: StandInStats = {
    chatRequests: 0,
    unauthorized: 0,
    requestsByItem: new Map(),
    answersByItem: new Map(),
    requestTimes: new Map(),
    filesUploaded: 0,
    batchesCreated: 0,
    batchRetrieves: 0,
    batchListPages: 0,
    bodies: [],
    synthRequests: new Map(),
    batchLinesByItem: new Map(),
  };
  const files = new Map<string, { content: string; filename: string; purpose: string }>();
  const batches = new Map<string, Record<string, unknown> & { polls: number }>();
  let nextId = 1;
  /** The attempt number of the last synthesis answer sent, per item. */
  const synthAttempts = new Map<string, number>();
  const sockets = new Set<import("node:net").Socket>();

  const standIn: StandIn = { url: "", stats, options, keepBodies: false, close: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const arrived = Date.now();
    const url = new URL(req.url ?? "/", "http://stand-in");
    const body = await readBody(req);
    if (options.apiKey !== undefined) {
      const given = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      if (given !== options.apiKey) {
        stats.unauthorized++;
        return sendJson(res, 401, {
          error: { message: `Incorrect API key provided: ${given}.`, type: "invalid_request_error", code: "invalid_api_key" },
        });
      }
    }
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") return chat(JSON.parse(body.toString("utf8")), res, req, arrived);
    if (req.method === "GET" && url.pathname === "/v1/models") {
      return sendJson(res, 200, { object: "list", data: (options.models ?? ["stand-in"]).map((id) => ({ id, object: "model" })) });
    }
    if (req.method === "POST" && url.pathname === "/v1/files") return uploadFile(req, body, res);
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(url.pathname);
    if (req.method === "GET" && content) {
      const file = files.get(content[1]);
      if (!file) return sendJson(res, 404, { error: { message: `No such File object: ${content[1]}` } });
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return void res.end(file.content);
    }
    if (req.method === "POST" && url.pathname === "/v1/batches") return createBatch(JSON.parse(body.toString("utf8")), res);
    if (req.method === "GET" && url.pathname === "/v1/batches") return listBatches(url.searchParams, res);
    const batch = /^\/v1\/batches\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && batch) return retrieveBatch(batch[1], res);
    sendJson(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
  };

  const chat = async (request: ChatRequest, res: ServerResponse, req: IncomingMessage, arrived: number): Promise<void> => {
    stats.chatRequests++;
    options.onChat?.(request);
    if (standIn.keepBodies) stats.bodies.push(request);
    if (options.models && !options.models.includes(request.model)) {
      return sendJson(res, 404, { error: { message: `The model '${request.model}' does not exist`, code: "model_not_found" } });
    }
    const item = itemOf(request);
    const attempt = (stats.requestsByItem.get(item) ?? 0) + 1;
    stats.requestsByItem.set(item, attempt);
    stats.requestTimes.set(item, [...(stats.requestTimes.get(item) ?? []), Date.now()]);
    let synthAttempt: number | undefined;
    if (isSynthesisRequest(request)) {
      synthAttempt = request.messages.some((m) => m.role === "assistant") ? (synthAttempts.get(item) ?? 1) + 1 : 1;
      const exchanges = stats.synthRequests.get(item) ?? [];
      exchanges.push({ attempt: synthAttempt, messages: request.messages.map((m) => ({ role: m.role, text: messageText(m) })) });
      stats.synthRequests.set(item, exchanges);
    }
    const fault = faultFor(options.faults, item, attempt);
    if (fault === "reset") return void req.socket.destroy();
    if (fault === "429") {
      const f = options.faults!;
      const headers: Record<string, string> =
        f.retryAfterMs !== undefined ? { "retry-after-ms": String(f.retryAfterMs) } : { "retry-after": String(f.retryAfterSeconds ?? 0) };
      return sendJson(res, 429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, headers);
    }
    if (fault === "500") {
      const retryAfterMs = options.faults?.retryAfterMs;
      const headers: Record<string, string> = retryAfterMs !== undefined ? { "retry-after-ms": String(retryAfterMs) } : {};
      return sendJson(res, 500, { error: { message: "The server had an error", type: "server_error" } }, headers);
    }
    // Latency counts from the request's arrival, as a remote server's would.
    await sleep((fault === "slow" ? (options.faults?.slowMs ?? 5000) : (options.latencyMs ?? 0)) - (Date.now() - arrived));
    if (res.destroyed || req.socket.destroyed) return;
    if (fault === "malformed") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end('{"id": "chatcmpl-broken", "choices": [');
    }
    const reply = answer(request, item, synthAttempt === undefined ? undefined : { attempt: synthAttempt, config: options.synthesis });
    if (synthAttempt !== undefined) synthAttempts.set(item, synthAttempt);
    stats.answersByItem.set(item, (stats.answersByItem.get(item) ?? 0) + 1);
    sendJson(res, 200, reply);
  };

  const uploadFile = async (req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> => {
    const form = await new Response(body, { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
    const file = form.get("file");
    if (!file || typeof file === "string") return sendJson(res, 400, { error: { message: "missing file part" } });
    const id = `file-${nextId++}`;
    const content = await file.text();
    files.set(id, { content, filename: file.name, purpose: String(form.get("purpose")) });
    stats.filesUploaded++;
    sendJson(res, 200, { id, object: "file", bytes: Buffer.byteLength(content), created_at: now(), filename: file.name, purpose: form.get("purpose"), status: "processed" });
  };

  const createBatch = async (request: { input_file_id: string; endpoint: string; completion_window: string; metadata?: Record<string, string> | null }, res: ServerResponse): Promise<void> => {
    const input = files.get(request.input_file_id);
    if (!input) return sendJson(res, 404, { error: { message: `No such File object: ${request.input_file_id}` } });
    const id = `batch_${nextId++}`;
    const total = input.content.split("\n").filter((l) => l.trim()).length;
    const batch = {
      id,
      object: "batch",
      endpoint: request.endpoint,
      input_file_id: request.input_file_id,
      completion_window: request.completion_window,
      status: "validating",
      output_file_id: null as string | null,
      error_file_id: null as string | null,
      created_at: now(),
      request_counts: { total, completed: 0, failed: 0 },
      errors: null as unknown,
      metadata: request.metadata ?? null,
      polls: 0,
    };
    batches.set(id, batch);
    stats.batchesCreated++;
    await options.onBatchCreated?.(id);
    sendJson(res, 200, publicBatch(batch));
  };

  /** The real API's cursor page: `limit` 1..100 (default 20), `after` the id the previous page ended with. */
  const listBatches = (query: URLSearchParams, res: ServerResponse): void => {
    stats.batchListPages++;
    const limit = Number(query.get("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendJson(res, 400, { error: { message: "limit must be between 1 and 100", param: "limit" } });
    const newestFirst = [...batches.values()].reverse();
    const after = query.get("after");
    const start = after === null ? 0 : newestFirst.findIndex((b) => b.id === after) + 1;
    if (after !== null && start === 0) return sendJson(res, 400, { error: { message: `No batch with id '${after}'`, param: "after" } });
    const page = newestFirst.slice(start, start + limit).map(publicBatch);
    sendJson(res, 200, { object: "list", data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: start + limit < newestFirst.length });
  };

  const retrieveBatch = (id: string, res: ServerResponse): void => {
    stats.batchRetrieves++;
    const batch = batches.get(id);
    if (!batch) return sendJson(res, 404, { error: { message: `No batch with id '${id}'` } });
    batch.polls++;
    if (batch.status !== "completed") {
      if (options.batchNeverCompletes || batch.polls <= (options.batchPolls ?? 1)) batch.status = "in_progress";
      else if (options.batchFailure !== undefined) {
        batch.status = "failed";
        batch.errors = { object: "list", data: [{ code: "invalid_request", message: options.batchFailure, line: null, param: null }] };
      } else completeBatch(batch);
    }
    sendJson(res, 200, publicBatch(batch));
  };

  const completeBatch = (batch: Record<string, unknown>): void => {
    const input = files.get(batch.input_file_id as string)!;
    const out: string[] = [];
    const errors: string[] = [];
    for (const line of input.content.split("\n").filter((l) => l.trim())) {
      const entry = JSON.parse(line) as { custom_id: string; body: ChatRequest };
      const text = requestText(entry.body);
      const item = itemOf(entry.body);
      const itemLine = (stats.batchLinesByItem.get(item) ?? 0) + 1;
      stats.batchLinesByItem.set(item, itemLine);
      if (text.includes("judge:batch-error") || options.batchLineError?.(item, itemLine)) {
        errors.push(JSON.stringify({ id: `batch_req_${nextId++}`, custom_id: entry.custom_id, response: null, error: { code: "server_error", message: "request failed in batch" } }));
        continue;
      }
      // A synthesis line is numbered and answered as the same chat request would be.
      let synthAttempt: number | undefined;
      if (isSynthesisRequest(entry.body)) {
        synthAttempt = entry.body.messages.some((m) => m.role === "assistant") ? (synthAttempts.get(item) ?? 1) + 1 : 1;
        const exchanges = stats.synthRequests.get(item) ?? [];
        exchanges.push({ attempt: synthAttempt, messages: entry.body.messages.map((m) => ({ role: m.role, text: messageText(m) })) });
        stats.synthRequests.set(item, exchanges);
        synthAttempts.set(item, synthAttempt);
      }
      const reply = answer(entry.body, item, synthAttempt === undefined ? undefined : { attempt: synthAttempt, config: options.synthesis });
      out.push(JSON.stringify({ id: `batch_req_${nextId++}`, custom_id: entry.custom_id, response: { status_code: 200, request_id: `req_${nextId++}`, body: reply }, error: null }));
    }
    const outputId = `file-${nextId++}`;
    files.set(outputId, { content: out.map((l) => `${l}\n`).join(""), filename: "output.jsonl", purpose: "batch_output" });
    batch.output_file_id = outputId;
    if (errors.length > 0) {
      const errorId = `file-${nextId++}`;
      files.set(errorId, { content: errors.map((l) => `${l}\n`).join(""), filename: "errors.jsonl", purpose: "batch_output" });
      batch.error_file_id = errorId;
    }
    batch.status = "completed";
    batch.request_counts = { total: out.length + errors.length, completed: out.length, failed: errors.length };
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `stand-in error: ${String(err)}` } });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  standIn.url = `http://127.0.0.1:${port}/v1`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return standIn;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
  response_format?: { type: string };
  max_tokens?: number;
  max_completion_tokens?: number;
}

function requestText(request: ChatRequest): string {
  return request.messages.map(messageText).join("\n");
}

function messageText(message: ChatRequest["messages"][number]): string {
  return typeof message.content === "string" ? message.content : message.content.filter((p) => p.type === "text").map((p) => p.text ?? "").join("\n");
}

export function isSynthesisRequest(request: ChatRequest): boolean {
  const first = request.messages[0];
  return request.response_format === undefined && first?.role === "user" && messageText(first).includes(GROUND_TRUTH_HEADER);
}

/** The ground truth named in a synthesis prompt. */
export function synthTruthOf(prompt: string): { aus: string[]; emotion: string | undefined } {
  const line = (prefix: string) => prompt.split("\n").find((l) => l.startsWith(prefix))?.slice(prefix.length);
  const aus = line(GROUND_TRUTH_AUS)?.split(". ")[0].match(/AU\d+/g) ?? [];
  const emotion = line(GROUND_TRUTH_EMOTION)?.split(". Write exactly")[0].trim();
  return { aus, emotion };
}

/** The stand-in's synthesis answer: right, or wrong in the ways its mistakes ask for. */
export function synthesisAnswer(truth: { aus: string[]; emotion: string | undefined }, attempt: number, mistakes: readonly SynthMistakeKind[] = []): string {
  let aus = truth.aus;
  let label = truth.emotion ?? "neutral";
  if (mistakes.includes("au")) aus = [...aus.slice(0, -1), ["AU43", "AU9", "AU27"].find((a) => !aus.includes(a))!];
  if (mistakes.includes("label")) label = label === "surprise" ? "anger" : "surprise";
  const movements = aus.length > 0 ? `${aus.join(", ")}, the movements` : "the muscle movements";
  const reasoning = `Attempt ${attempt}: the face shows ${movements} of ${label}.`;
  const think = `<think>${mistakes.includes("empty-think") ? " " : reasoning}</think>`;
  return mistakes.includes("no-answer") ? think : `${think}<answer>${label}</answer>`;
}

function itemOf(request: ChatRequest): string {
  for (const message of request.messages) {
    if (typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type !== "image_url" || !part.image_url) continue;
      const base64 = part.image_url.url.slice(part.image_url.url.indexOf(",") + 1);
      const bytes = Buffer.from(base64, "base64");
      const at = bytes.indexOf(`tEXt${ID_KEYWORD}\0`, 0, "latin1");
      if (at >= 4) {
        const length = bytes.readUInt32BE(at - 4);
        return bytes.subarray(at + 4 + ID_KEYWORD.length + 1, at + 4 + length).toString("latin1");
      }
    }
  }
  return `text-${sha(requestText(request)).slice(0, 16)}`;
}

function answer(request: ChatRequest, item: string, synthesis?: { attempt: number; config?: SynthesisConfig }): Record<string, unknown> {
  const text = requestText(request);
  let content: string;
  let finish = "stop";
  if (request.response_format?.type === "json_schema") {
    const candidate = text.slice(text.lastIndexOf("<candidate>"));
    const marker = /judge:([a-z0-9-]+)/.exec(candidate)?.[1];
    if (marker === "bad") content = "I would rate this a 7.";
    else if (marker === "long") {
      content = '{"score": 5, "reason": "this reason goes on';
      finish = "length";
    } else {
      const score = marker !== undefined && /^-?\d+$/.test(marker) ? Number(marker) : defaultJudgeScore(candidate);
      content = JSON.stringify({ score, reason: `stand-in judgement ${score}` });
    }
  } else if (synthesis !== undefined) {
    const { attempt, config } = synthesis;
    const mistake = config?.mistakes?.(item);
    content = synthesisAnswer(synthTruthOf(messageText(request.messages[0])), attempt, mistake && attempt <= mistake.attempts ? mistake.kinds : []);
  } else {
    content = modelAnswer(item);
  }
  const promptTokens = Math.ceil(text.length / 4);
  const completionTokens = Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-${sha(item + text).slice(0, 12)}`,
    object: "chat.completion",
    created: now(),
    model: request.model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: finish, logprobs: null }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** The fault the stand-in injects into the `attempt`-th request (1-based) for an item. */
export function faultFor(config: FaultConfig | undefined, item: string, attempt: number): FaultKind | undefined {
  if (!config) return undefined;
  const h = Number.parseInt(sha(`fault:${item}`).slice(0, 8), 16) / 0xffffffff;
  if (config.persistentRate && h < config.persistentRate) return "500";
  if (h >= (config.persistentRate ?? 0) + config.rate) return undefined;
  if (attempt > (config.repeat ?? 1)) return undefined;
  const pick = Number.parseInt(sha(`kind:${item}`).slice(0, 8), 16);
  return config.kinds[pick % config.kinds.length];
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function publicBatch(batch: Record<string, unknown>): Record<string, unknown> {
  const { polls: _polls, ...rest } = batch;
  return rest;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
