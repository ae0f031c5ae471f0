import { z } from "zod";
import { createRemoteClient, DEFAULT_API_KEY_ENV, type RemoteClient } from "../eval/client.js";
import { throwIfAborted } from "../util/run-context.js";
import { runWith, type RunOptions } from "./options.js";

/** The options of every call to an OpenAI-compatible server (vLLM, OpenAI). */
export interface EndpointOptions {
  /** API base URL, e.g. http://localhost:8000/v1 (default: OpenAI's); not a URL: InvalidInputError. */
  endpoint?: string;
  /** The API key; default: the environment variable named by `apiKeyEnv`. Never printed or written. */
  apiKey?: string;
  /** Environment variable holding the API key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  /** Per-request timeout, ms (default 120 s). */
  timeoutMs?: number;
  /** Retries per request on 429, 5xx, timeouts and dropped connections (default 5). */
  retries?: number;
}

export const ENDPOINT_FIELDS = {
  // Checked by the client, which names the problem as the CLI's --endpoint: `not a URL: "..."`.
  endpoint: z.string().optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyEnv: z.string().min(1).default(DEFAULT_API_KEY_ENV),
  timeoutMs: z.number().positive().optional(),
  retries: z.number().int().nonnegative().optional(),
};

export function clientFor(o: { endpoint?: string; apiKey?: string; apiKeyEnv: string; timeoutMs?: number; retries?: number }, requireKey = false): Promise<RemoteClient> {
  return createRemoteClient({ endpoint: o.endpoint, apiKey: o.apiKey, apiKeyEnv: o.apiKeyEnv, timeoutMs: o.timeoutMs, retries: o.retries, requireKey });
}

/** What inferPredictions and synthesize share: a dataset run through a model, resumably. */
export interface RemoteDatasetOptions extends EndpointOptions {
  /** FEA JSONL records. */
  dataset: string;
  /** Folder the records' image paths are relative to. */
  images: string;
  /** Model name the server knows. */
  model: string;
  /** Prompt variant (default grpo). */
  prompt?: "grpo" | "sft";
  /** Requests in flight (default 8). */
  concurrency?: number;
  /** Only the first N valid records. */
  limit?: number;
  /** Completion token limit (default 1024). */
  maxTokens?: number;
}

export const REMOTE_DATASET_FIELDS = {
  dataset: z.string().min(1),
  images: z.string().min(1),
  model: z.string().min(1),
  prompt: z.enum(["grpo", "sft"]).default("grpo"),
  concurrency: z.number().int().positive().optional(),
  limit: z.number().int().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  ...ENDPOINT_FIELDS,
};

/**
 * Runs a resumable dataset run (inference, synthesis) with the caller's progress listener.
 * The caller's signal goes to the run itself, not into the run context (where every counting
 * loop would throw on it): it stops new records while those in flight finish and are
 * recorded, and the summary's `aborted` says so.
 */
export function runStoppable<T>(o: RunOptions, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  throwIfAborted(o.signal);
  return runWith({ onProgress: o.onProgress }, () => work(o.signal));
}
