import { FacialR1Error, errorMessage } from "../util/errors.js";
import { backoffDelay, parseRetryAfter, sleep } from "../util/retry.js";
import { describeTokenSource, type HubCredentials } from "./credentials.js";

/**
 * The one place where requests to the Hub are retried and their failures turned into
 * messages a user can act on. @huggingface/hub does not retry; every call of it goes
 * through `HubTransport.fetch`, which retries 429 / 5xx replies and dropped connections
 * with exponential backoff (or the server's retry-after).
 *
 * All requests the library makes here are safe to repeat (whoami, repo creation answered
 * 409 when it exists, branch creation likewise, preupload, the LFS batch, PUTs of content-addressed objects, tree
 * listings) except the commit: a commit whose connection dropped may have landed, so it is
 * retried only when the server answered with 429 or 5xx (it did not commit).
 */
export interface TransportOptions {
  credentials: HubCredentials;
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First backoff delay; doubles per retry up to 8 s (default 500 ms). */
  retryBaseMs?: number;
  /** Called when an LFS PUT has been accepted, with its byte count; `complete` is false for one part of a multipart upload. */
  onObjectUploaded?: (bytes: number, complete: boolean) => void;
  /** Called with the LFS batch reply: objects the server already had (no upload action). */
  onBatchReply?: (reply: { stored: number; storedBytes: number; toUpload: number }) => void;
  /** Called with the preupload reply: which paths go through LFS. */
  onPreupload?: (modes: { path: string; uploadMode: "lfs" | "regular" }[]) => void;
  /** Called when a request is retried (for a message on stderr). */
  onRetry?: (what: string, attempt: number, delayMs: number, reason: string) => void;
}

const RETRY_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNREFUSED", "EAI_AGAIN"]);
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export class HubTransport {
  readonly endpoint: string;
  private readonly retries: number;
  private readonly retryBaseMs: number;

  constructor(private readonly options: TransportOptions) {
    this.endpoint = options.credentials.endpoint;
    this.retries = options.retries ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 500;
  }

  /** A `fetch` for @huggingface/hub's `fetch` parameter. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? "GET").toUpperCase();
    const isCommit = method === "POST" && /\/api\/[a-z]+s\/[^?]+\/commit\//.test(url);
    const what = describeRequest(method, url);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(input, init);
      } catch (err) {
        if (init?.signal?.aborted) throw err;
        const code = causeCode(err);
        const retriable = !isCommit && (code === undefined || RETRY_CODES.has(code));
        if (!retriable || attempt >= this.retries) throw this.connectionError(err, code, isCommit);
        const delay = backoffDelay(attempt, this.retryBaseMs);
        this.options.onRetry?.(what, attempt + 1, delay, code ?? "connection failed");
        await sleep(delay);
        continue;
      }
      if ((response.status === 429 || response.status >= 500) && attempt < this.retries) {
        const delay = parseRetryAfter(response.headers) ?? backoffDelay(attempt, this.retryBaseMs);
        await response.body?.cancel().catch(() => undefined);
        this.options.onRetry?.(what, attempt + 1, delay, `HTTP ${response.status}`);
        await sleep(delay);
        continue;
      }
      if (response.ok) await this.observe(method, url, response, bodySize(init?.body));
      return response;
    }
  };

  /** Counts what was sent and what the server already had, from the library's own traffic. */
  private async observe(method: string, url: string, response: Response, sent: number): Promise<void> {
    // A multipart upload (S3 part URLs carry partNumber=) counts as one object when completed.
    if (method === "PUT") {
      this.options.onObjectUploaded?.(sent, !/[?&]partNumber=/.test(url));
      return;
    }
    if (method !== "POST") return;
    if (/complete_multipart/.test(url)) {
      this.options.onObjectUploaded?.(0, true);
      return;
    }
    if (url.endsWith("/info/lfs/objects/batch") && this.options.onBatchReply) {
      const reply = (await response.clone().json().catch(() => undefined)) as { objects?: { size: number; actions?: unknown }[] } | undefined;
      const objects = reply?.objects ?? [];
      const stored = objects.filter((o) => !o.actions);
      this.options.onBatchReply({ stored: stored.length, storedBytes: stored.reduce((n, o) => n + (o.size ?? 0), 0), toUpload: objects.length - stored.length });
    } else if (/\/preupload\//.test(url) && this.options.onPreupload) {
      const reply = (await response.clone().json().catch(() => undefined)) as { files?: { path: string; uploadMode: "lfs" | "regular" }[] } | undefined;
      this.options.onPreupload(reply?.files ?? []);
    }
  }

  private connectionError(err: unknown, code: string | undefined, isCommit: boolean): FacialR1Error {
    if (code && UNREACHABLE_CODES.has(code)) {
      return new FacialR1Error("remote", `cannot reach ${this.endpoint} (${code}): check HF_ENDPOINT and the network`);
    }
    const detail = code ?? this.redact(errorMessage(err));
    if (isCommit) {
      return new FacialR1Error(
        "remote",
        `the connection to ${this.endpoint} dropped during the commit (${detail}); the commit may or may not have landed: ` +
          "run the push again (files already stored are not uploaded again)",
      );
    }
    return new FacialR1Error("remote", `connection to ${this.endpoint} failed after ${this.retries + 1} attempts (${detail})`);
  }

  /** Turns an error of @huggingface/hub (or of this transport) into a FacialR1Error. */
  explain(err: unknown, doing: string): FacialR1Error {
    if (err instanceof FacialR1Error) return err;
    const status = (err as { statusCode?: unknown }).statusCode;
    const message = this.redact(errorMessage(err));
    if (typeof status === "number") {
      if (status === 401) {
        return new FacialR1Error("remote", `${this.endpoint} rejected ${describeTokenSource(this.options.credentials)} (HTTP 401) while ${doing}: ${message}`);
      }
      if (status === 403) {
        return new FacialR1Error(
          "remote",
          `${this.endpoint} refused ${doing} with ${describeTokenSource(this.options.credentials)} (HTTP 403): ${message} (does the token have write access to this namespace?)`,
        );
      }
      return new FacialR1Error("remote", `HTTP ${status} from ${this.endpoint} while ${doing}: ${message}`);
    }
    return new FacialR1Error("failure", `${doing} failed: ${message}`);
  }

  /** The token must never reach a message, even when a server echoes it. */
  redact(text: string): string {
    const token = this.options.credentials.token;
    return token.length >= 4 ? text.split(token).join("***") : text;
  }
}

function describeRequest(method: string, url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, "").split("?")[0];
  if (path.includes("/info/lfs/objects/batch")) return "LFS batch";
  if (method === "PUT") return "LFS upload";
  const m = /^\/api\/[a-z]+s\/[^/]+\/[^/]+\/([a-z-]+)/.exec(path);
  return m ? `${m[1]} request` : `${method} ${path}`;
}

function bodySize(body: unknown): number {
  if (body instanceof Blob) return body.size;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  return 0;
}

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

