import type OpenAI from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { Batch } from "openai/resources/batches";
import { errorMessage, invalidInput, RemoteError } from "../util/errors.js";
import { backoffDelay, parseRetryAfter, sleep } from "../util/retry.js";

/**
 * The one interface between the project and an OpenAI-compatible server (OpenAI, vLLM, ...).
 * Retries, timeouts, retry-after handling and the mapping of transport errors to messages a
 * user can act on all live here; callers see either a result or a `RemoteError`.
 */
export interface ClientOptions {
  /** Base URL, e.g. `http://localhost:8000/v1`; defaults to OpenAI's. */
  endpoint?: string;
  /** The API key itself (never printed or written); when absent, read from `apiKeyEnv`. */
  apiKey?: string;
  /** Name of the environment variable holding the API key (the key itself is never printed). */
  apiKeyEnv?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408/409/429/5xx, timeouts, connection errors, malformed replies. */
  retries?: number;
  /** First backoff delay; doubles per retry up to 8 s, unless the server says retry-after. */
  retryBaseMs?: number;
  /** Requires the key variable to be set (hosted APIs); local servers often need none. */
  requireKey?: boolean;
}

export const OPENAI_ENDPOINT = "https://api.openai.com/v1";
export const DEFAULT_API_KEY_ENV = "OPENAI_API_KEY";

export interface RemoteClient {
  readonly endpoint: string;
  chat(params: ChatCompletionCreateParamsNonStreaming): Promise<ChatCompletion>;
  /**
   * `chat.completions.parse`: structured output checked by the response format's own parser.
   * An unusable answer (not JSON, wrong shape, cut off) is thrown as the SDK throws it
   * (SyntaxError, ZodError, LengthFinishReasonError) and is not retried here.
   */
  parse<T>(params: ChatCompletionCreateParamsNonStreaming): Promise<{ completion: ChatCompletion; parsed: T | null }>;
  uploadFile(params: { name: string; bytes: Uint8Array; purpose: "batch" }): Promise<string>;
  createBatch(params: { inputFileId: string; endpoint: "/v1/chat/completions"; metadata?: Record<string, string> }): Promise<Batch>;
  retrieveBatch(id: string): Promise<Batch>;
  /** One page of the organization's batches (GET /v1/batches), 100 at most, after the batch `after`. */
  listBatches(after?: string): Promise<{ data: Batch[]; hasMore: boolean }>;
  fileContent(id: string): Promise<string>;
}

export async function createRemoteClient(options: ClientOptions = {}): Promise<RemoteClient> {
  const endpoint = (options.endpoint ?? OPENAI_ENDPOINT).replace(/\/+$/, "");
  const apiKeyEnv = options.apiKeyEnv ?? DEFAULT_API_KEY_ENV;
  const key = options.apiKey ?? process.env[apiKeyEnv];
  if (!key && options.requireKey) {
    throw invalidInput(`no API key: set the environment variable ${apiKeyEnv}`);
  }
  try {
    new URL(endpoint);
  } catch {
    throw invalidInput(`not a URL: "${endpoint}"`, { field: "--endpoint" });
  }
  const { default: OpenAIClass, toFile } = await import("openai");
  const sdk: OpenAI = new OpenAIClass({
    // Local servers started without a key accept any; the SDK insists on one.
    apiKey: key || "EMPTY",
    baseURL: endpoint,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 120_000,
    fetch: checkedFetch,
  });
  const mapper = new ErrorMapper(endpoint, apiKeyEnv, key);
  const breaker = new ReachabilityBreaker();
  const call = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetries(fn, mapper, breaker, options.retries ?? 5, options.retryBaseMs ?? 500);

  return {
    endpoint,
    chat: (params) => call(() => sdk.chat.completions.create(params)),
    parse: async <T>(params: ChatCompletionCreateParamsNonStreaming) => {
      const completion = await call(() => sdk.chat.completions.parse(params));
      return { completion, parsed: (completion.choices[0]?.message.parsed ?? null) as T | null };
    },
    uploadFile: async ({ name, bytes, purpose }) => {
      const file = await call(async () => sdk.files.create({ file: await toFile(bytes, name), purpose }));
      return file.id;
    },
    createBatch: ({ inputFileId, endpoint: path, metadata }) =>
      call(() => sdk.batches.create({ input_file_id: inputFileId, endpoint: path, completion_window: "24h", metadata })),
    retrieveBatch: (id) => call(() => sdk.batches.retrieve(id)),
    listBatches: (after) =>
      call(async () => {
        const page = await sdk.batches.list({ limit: 100, ...(after === undefined ? {} : { after }) });
        return { data: page.data, hasMore: page.has_more };
      }),
    fileContent: (id) => call(async () => (await sdk.files.content(id)).text()),
  };
}

/** Runs `fn`, retrying what is worth retrying with exponential backoff (or the server's retry-after). */
async function withRetries<T>(fn: () => Promise<T>, mapper: ErrorMapper, breaker: ReachabilityBreaker, retries: number, baseMs: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    breaker.check();
    try {
      const result = await fn();
      breaker.answered();
      return result;
    } catch (err) {
      const mapped = await mapper.map(err);
      if (!(mapped instanceof RemoteError)) throw mapped;
      if (mapped.status !== undefined) breaker.answered();
      if (mapped.kind === "unreachable" && breaker.tripped(mapped)) throw mapped;
      // An endpoint that answered before and refuses now may be restarting: retried.
      const retriable = mapped.retriable || (mapped.kind === "unreachable" && attempt < retries);
      if (!retriable || attempt >= retries) throw mapped;
      await sleep(mapped.retryAfterMs ?? backoffDelay(attempt, baseMs));
    }
  }
}

/**
 * Fails fast on a dead endpoint: a connection refused (or a name that does not resolve) before
 * the endpoint ever answered stops every call at once; after it answered, a run of
 * `UNREACHABLE_LIMIT` such errors in a row (across all calls in flight) does. One message, no
 * records marked failed, and no minutes of retries against nothing.
 */
class ReachabilityBreaker {
  private hasAnswered = false;
  private consecutive = 0;
  private open: RemoteError | undefined;

  check(): void {
    if (this.open) throw this.open;
  }

  answered(): void {
    this.hasAnswered = true;
    this.consecutive = 0;
  }

  /** Records an unreachable error; true when calls must stop now. */
  tripped(err: RemoteError): boolean {
    this.consecutive++;
    if (!this.hasAnswered || this.consecutive >= UNREACHABLE_LIMIT) this.open ??= err;
    return this.open !== undefined;
  }
}

const UNREACHABLE_LIMIT = 8;

class ErrorMapper {
  private errors: typeof import("openai") | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly apiKeyEnv: string,
    private readonly key: string | undefined,
  ) {}

  /** A RemoteError for transport and HTTP failures; anything else is returned as it is. */
  async map(err: unknown): Promise<unknown> {
    this.errors ??= await import("openai");
    const { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } = this.errors;
    if (err instanceof RemoteError) return err;
    if (err instanceof APIUserAbortError) return err;
    if (err instanceof APIConnectionTimeoutError) return new RemoteError("timeout", `request to ${this.endpoint} timed out`);
    if (err instanceof APIConnectionError) {
      if (err.cause instanceof MalformedReplyError) return new RemoteError("malformed", `malformed reply from ${this.endpoint}: ${err.cause.message}`);
      const code = causeCode(err);
      if (hasCauseMessage(err, "bad port")) {
        const port = new URL(this.endpoint).port;
        return new RemoteError("unreachable", `cannot reach ${this.endpoint}: port ${port} is one that fetch refuses to connect to (a "bad port"); serve the API on another port`);
      }
      if (code && UNREACHABLE_CODES.has(code)) {
        return new RemoteError("unreachable", `cannot reach ${this.endpoint} (${code}): is the server running and the URL right?`);
      }
      return new RemoteError("connection", `connection to ${this.endpoint} failed${code ? ` (${code})` : ""}: ${this.redact(errorMessage(err))}`);
    }
    if (err instanceof APIError && typeof err.status === "number") return this.fromStatus(err.status, this.redact(err.message), err.headers);
    return err;
  }

  private fromStatus(status: number, message: string, headers: Headers | undefined): RemoteError {
    if (status === 401 || status === 403) {
      const why = this.key ? `rejected the API key in $${this.apiKeyEnv}` : `requires an API key: set $${this.apiKeyEnv}`;
      return new RemoteError("auth", `${this.endpoint} ${why} (HTTP ${status}): ${message}`, status);
    }
    if (status === 404) {
      return new RemoteError("not_found", `HTTP 404 from ${this.endpoint}: ${message} (check --model, and that the endpoint is the API base URL, e.g. ending in /v1)`, status);
    }
    const retryAfterMs = parseRetryAfter(headers);
    if (status === 429) return new RemoteError("rate_limit", `rate limited by ${this.endpoint} (HTTP 429): ${message}`, status, retryAfterMs);
    if (status === 408 || status === 409 || status >= 500) return new RemoteError("server", `HTTP ${status} from ${this.endpoint}: ${message}`, status, retryAfterMs);
    return new RemoteError("bad_request", `HTTP ${status} from ${this.endpoint}: ${message}`, status);
  }

  /** Servers sometimes echo the key in error messages; it must never reach a log. */
  redact(text: string): string {
    return this.key && this.key.length >= 4 ? text.split(this.key).join("***") : text;
  }
}

/** A reply that claims to be JSON but is not: a transport fault, retried like a 5xx. */
class MalformedReplyError extends Error {}

/**
 * `fetch` that reads JSON replies whole and checks they parse, so a broken reply surfaces as
 * a transport error (retried) and never as a parse error of the model's content. The body is
 * read inside the SDK's timeout, so a reply that stalls half-way also times out.
 */
const checkedFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  // File contents (batch output) are JSONL, whatever their content type says.
  const url = response.url || (typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  if (/\/files\/[^/]+\/content(\?|$)/.test(url)) return response;
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json" && !mediaType.endsWith("+json")) return response;
  const text = await response.text();
  if (text.length > 0) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new MalformedReplyError(`HTTP ${response.status} body is not valid JSON (${errorMessage(err)})`);
    }
  }
  return new Response(text.length > 0 ? text : null, { status: response.status, statusText: response.statusText, headers: response.headers });
};

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `err` or one of its causes has exactly this message (undici's "bad port" has no code). */
function hasCauseMessage(err: unknown, message: string): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof Error && current.message === message) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
