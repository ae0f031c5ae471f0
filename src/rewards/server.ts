/**
 * The reward server: the Facial-R1 rewards over HTTP, for trainers that call a remote reward.
 *
 *   POST /get_reward   OpenRLHF protocol (see openrlhf.ts)
 *   POST /v1/score     native batch: [{completion, AUs, labels}] -> [{format, accuracy, au, total, score}]
 *   POST /v1/rewards/<name>   a TypeScript-defined reward: [{completion, AUs, labels, solution, prompt}] -> {rewards, scores}
 *   GET  /v1/rewards   the TypeScript-defined rewards: {rewards: [{name, range, description}]}
 *   GET  /health       {"status": "ok", ...}; never needs the token
 *
 * Every error is a JSON body `{"error": "..."}` with a 4xx status; nothing a client sends can
 * stop the server. `close()` stops accepting connections, lets the requests in flight finish and
 * then closes the keep-alive connections.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FacialR1Error, failure, invalidInput } from "../util/errors.js";
import { scoreWith, unitScore, type RewardDefinition } from "./custom.js";
import { parseOpenRlhfRequest, parseRewardRequest, parseScoreRequest, RequestError, type ScoringItem } from "./openrlhf.js";
import { totalRange } from "./reward-range.js";
import { scoreCompletion } from "./score.js";
import type { RewardSpec } from "../schema/reward-spec.js";

/**
 * Why a reward server with a token does not suit OpenRLHF: its remote reward client posts with
 * no headers at all, so it can never send the token; it logs the 401 at info level and trains
 * on None rewards. Said at start-up and in the 401 body of POST /get_reward.
 */
export const OPENRLHF_TOKEN_NOTE =
  "POST /get_reward needs the bearer token, and OpenRLHF's remote reward client sends no headers: it would get 401 and train on None rewards. " +
  "For OpenRLHF, pass --remote_rm_url the reward file of `facial-r1 plugin build --target openrlhf` (no server, no token), or serve without a token on loopback or a private network.";

const REWARDS_PREFIX = "/v1/rewards/";

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ComponentScores {
  format: number;
  accuracy: number;
  au: number;
  total: number;
}

/** What the server needs from the rewards: a batch scorer and the range of `total`. */
export interface BatchScorer {
  /** Name shown by /health (the preset or config file). */
  name: string;
  score(item: ScoringItem): ComponentScores;
  /** Lowest and highest `total` the reward spec can give; maps `total` to `score` in [0, 1]. */
  range: { min: number; max: number };
}

export interface RewardServerOptions {
  scorer: BatchScorer;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** When set, POST endpoints need `Authorization: Bearer <token>`. */
  token?: string;
  /** Rewards defined in TypeScript (defineReward), served at POST /v1/rewards/<name>. */
  rewards?: readonly RewardDefinition[];
  maxBodyBytes?: number;
  shutdownTimeoutMs?: number;
}

export interface ServerCounters {
  requests: number;
  completions: number;
  rejected: number;
  failed: number;
}

export interface RunningRewardServer {
  url: string;
  host: string;
  port: number;
  counters: ServerCounters;
  /** Stops accepting, finishes the requests in flight, closes every connection. */
  close(): Promise<void>;
}

/** The TypeScript rewards under a spec; `range` covers format + accuracy + au with its weights and clamp. */
export function rewardScorer(spec: RewardSpec, name: string): BatchScorer {
  return {
    name,
    range: totalRange(spec),
    score: (item) => {
      const s = scoreCompletion(item.completion, item.truth, spec);
      return { format: s.format, accuracy: s.accuracy, au: s.au, total: s.total };
    },
  };
}

/** The mapping from total to score, as text: "(total + 1) / 4". */
export function describeScoreMapping(range: { min: number; max: number }): string {
  const shift = range.min === 0 ? "total" : range.min < 0 ? `(total + ${-range.min})` : `(total - ${range.min})`;
  return `${shift} / ${range.max - range.min}, clamped to [0, 1]`;
}

/** `score` = (total - min) / (max - min), clamped to [0, 1]. */
export function normalizedScore(total: number, range: { min: number; max: number }): number {
  const span = range.max - range.min;
  if (!(span > 0) || !Number.isFinite(total)) return 0;
  const s = (total - range.min) / span;
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

export async function startRewardServer(options: RewardServerOptions): Promise<RunningRewardServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tokenDigest = options.token ? digest(options.token) : undefined;
  const counters: ServerCounters = { requests: 0, completions: 0, rejected: 0, failed: 0 };
  const { scorer } = options;
  const custom = options.rewards ?? [];
  const customByName = new Map(custom.map((r) => [r.name, r]));
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    inFlight++;
    counters.requests++;
    // A request stops being in flight once its response is handed to the OS (or the client left).
    res.once("close", () => {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
    });
    try {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/health") {
        if (req.method !== "GET" && req.method !== "HEAD") throw new RequestError(405, "use GET /health");
        send(res, 200, { status: "ok", rewards: scorer.name, range: scorer.range });
        return;
      }
      if (path === "/v1/rewards") {
        if (req.method !== "GET" && req.method !== "HEAD") throw new RequestError(405, "use GET /v1/rewards");
        send(res, 200, { rewards: custom.map((r) => ({ name: r.name, range: r.range, ...(r.description ? { description: r.description } : {}) })) });
        return;
      }
      const definition = path.startsWith(REWARDS_PREFIX) ? customByName.get(path.slice(REWARDS_PREFIX.length)) : undefined;
      const endpoint = path === "/get_reward" ? "openrlhf" : path === "/v1/score" ? "native" : definition ? "custom" : undefined;
      if (!endpoint) {
        const names = custom.length > 0 ? `, POST ${REWARDS_PREFIX}{${custom.map((r) => r.name).join(",")}}` : "";
        throw new RequestError(404, `no endpoint ${path}; use POST /get_reward, POST /v1/score${names}, GET /v1/rewards or GET /health`);
      }
      if (req.method !== "POST") throw new RequestError(405, `use POST ${path}`);
      if (tokenDigest && !authorized(req.headers.authorization, tokenDigest)) {
        if (endpoint === "openrlhf" && req.headers.authorization === undefined) throw new RequestError(401, OPENRLHF_TOKEN_NOTE);
        throw new RequestError(401, "missing or wrong bearer token (send the header Authorization: Bearer <token>)");
      }
      const body = parseJson(await readBody(req, maxBodyBytes));
      if (definition) {
        const items = parseRewardRequest(body);
        const rewards = await Promise.all(items.map((item, i) => scoreWith(definition, item, i)));
        counters.completions += items.length;
        send(res, 200, { rewards, scores: rewards.map((r) => unitScore(definition, r)) });
      } else if (endpoint === "openrlhf") {
        const items = parseOpenRlhfRequest(body);
        const rewards = new Array<number>(items.length);
        const scores = new Array<number>(items.length);
        const format = new Array<number>(items.length);
        const accuracy = new Array<number>(items.length);
        const au = new Array<number>(items.length);
        const prefix = new Array<number>(items.length);
        for (let i = 0; i < items.length; i++) {
          const s = scorer.score(items[i]);
          rewards[i] = s.total;
          scores[i] = normalizedScore(s.total, scorer.range);
          format[i] = s.format;
          accuracy[i] = s.accuracy;
          au[i] = s.au;
          prefix[i] = items[i].extraction === "prefix" ? 1 : 0;
        }
        counters.completions += items.length;
        send(res, 200, { rewards, scores, extra_logs: { format_reward: format, accuracy_reward: accuracy, au_reward: au, response_after_prompt: prefix } });
      } else {
        const items = parseScoreRequest(body);
        const out = new Array<ComponentScores & { score: number }>(items.length);
        for (let i = 0; i < items.length; i++) {
          const s = scorer.score(items[i]);
          out[i] = { format: s.format, accuracy: s.accuracy, au: s.au, total: s.total, score: normalizedScore(s.total, scorer.range) };
        }
        counters.completions += items.length;
        send(res, 200, out);
      }
    } catch (err) {
      if (err instanceof RequestError) {
        counters.rejected++;
        const extra: Record<string, string> | undefined =
          err.status === 401 ? { "WWW-Authenticate": "Bearer" } : err.status === 405 ? { Allow: req.url?.startsWith("/health") ? "GET, HEAD" : "POST" } : undefined;
        send(res, err.status, { error: err.message }, extra);
      } else {
        counters.failed++;
        send(res, 500, { error: err instanceof FacialR1Error ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}` });
      }
    }
  };

  const send = (res: ServerResponse, status: number, value: unknown, extra?: Record<string, string>): void => {
    if (res.headersSent) return;
    const text = JSON.stringify(value);
    const headers: Record<string, string | number> = { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...extra };
    if (closing) headers.Connection = "close";
    res.writeHead(status, headers);
    res.end(text);
  };

  const server: Server = createServer({ keepAlive: true }, (req, res) => void handle(req, res));
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  // A client that breaks the HTTP framing gets a 400 and its connection closed; the server stays up.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"malformed HTTP request"}');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, host, options.port ?? 0));
    server.once("error", onError);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      server.close(() => resolve());
      server.closeIdleConnections();
      const finish = () => {
        clearTimeout(timer);
        // Responses sent while closing asked for `Connection: close`; whatever is left is idle.
        server.closeIdleConnections();
        setImmediate(() => server.closeAllConnections());
      };
      const timer = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      if (inFlight === 0) finish();
      else drained = finish;
    });
    return closed;
  };

  return { url: `http://${urlHost}:${address.port}`, host: address.address, port: address.port, counters, close };
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (err.code === "EADDRINUSE") return failure(`${where} is already in use; choose another --port (or --port 0 for a free one)`);
  if (err.code === "EACCES") return failure(`no permission to listen on ${where}; use a port above 1023`);
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") return invalidInput(`--host ${host}: not an address of this machine`);
  return failure(`cannot listen on ${where}: ${err.message}`);
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit, declared));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.off("data", onData);
        // Keep reading and discarding so the connection stays usable for the 413 answer.
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (!done) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.once("error", (err) => {
      if (!done) reject(err);
    });
  });
}

function tooLarge(limit: number, declared?: number): RequestError {
  const what = declared === undefined ? "the request body" : `the request body (${declared} bytes)`;
  return new RequestError(413, `${what} is over the ${limit}-byte limit; send smaller batches or start the server with a larger --max-body-bytes`);
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new RequestError(400, "empty request body; expected JSON");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new RequestError(400, `invalid JSON: ${(err as Error).message}`);
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (!match) return false;
  return timingSafeEqual(digest(match[1]), expected);
}
