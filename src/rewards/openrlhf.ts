/**
 * The OpenRLHF remote reward protocol and the request shapes of the reward server.
 *
 * OpenRLHF (`--remote_rm_url http://host:port/get_reward`, newer `--reward.remote_url`) POSTs
 * `{"query": [...], "prompts": [...], "labels": [...]}`: `query[i]` is the prompt followed by
 * the response, decoded with special tokens kept; `labels[i]` is the dataset column named by
 * `--data.label_key` (older versions: `--label_key`). It expects `{"rewards": [...], "scores": [...], "extra_logs": {...}}`.
 *
 * Label encoding (one label per sample):
 *  - a JSON object string `{"AUs": ["AU6", "AU12"], "labels": ["happiness"]}` (keys `AUs`,
 *    `labels`, optional `solution`; the same keys as a dataset record), or such an object itself;
 *  - a list of strings is the record's `labels` list (what `--data.label_key labels` sends);
 *  - any other string is the emotion word (the record's `labels[0]`, answer tags allowed).
 *  Without `AUs` there are no ground-truth AUs, so the AU reward is that of an empty AU set.
 */
import { z } from "zod";
import { isPyWhitespace, pyStrip } from "./python-text.js";

/** Ground truth of one completion, as the scorer takes it. */
export interface Truth {
  AUs?: string[];
  labels?: string[];
  solution?: string;
}

export interface ScoringItem {
  completion: string;
  truth: Truth;
}

export type ExtractionMethod = "prefix" | "assistant_marker" | "whole_query";

export interface OpenRlhfItem extends ScoringItem {
  /** How the response was cut out of the query (see `extractResponse`). */
  extraction: ExtractionMethod;
}

/** A request the server rejects; `status` is the HTTP status to answer with. */
export class RequestError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

export const LabelObjectSchema = z
  .looseObject({
    AUs: z.array(z.string()).optional().describe('Ground-truth Action Units, e.g. ["AU6", "AU12"]'),
    labels: z.array(z.string()).optional().describe('Emotion labels; labels[0] is the ground truth, e.g. ["happiness"]'),
    solution: z.string().optional().describe("Alternative to labels: the solution text, e.g. <answer>happiness</answer>"),
  })
  .describe("Ground truth of one OpenRLHF sample, sent JSON-encoded in `labels[i]`");

export type LabelObject = z.infer<typeof LabelObjectSchema>;

/** One item of `POST /v1/score`. */
export const ScoreItemSchema = z
  .looseObject({
    completion: z.string().describe("The model's response text"),
    AUs: z.array(z.string()).optional(),
    labels: z.array(z.string()).optional(),
    solution: z.string().optional(),
  })
  .describe("One completion and its ground truth");

/** Special tokens that close a turn or pad a sequence; stripped from the end of a response. */
export const END_TOKENS = ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|end|>", "</s>", "<eos>", "<pad>", "<|pad|>", "[PAD]"];
/** Markers that open the assistant turn in common chat templates (Qwen/ChatML, Llama 3, Phi, Mistral). */
export const ASSISTANT_MARKERS = ["<|im_start|>assistant\n", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|assistant|>\n", "[/INST]"];

/**
 * The response inside an OpenRLHF query. First choice: the query minus its prompt (`prefix`).
 * When the prompt is missing or is not a prefix of the query (a tokenizer round trip can change
 * spacing), the text after the last assistant-turn marker of a known chat template
 * (`assistant_marker`), else the whole query (`whole_query`). Trailing end-of-turn and padding
 * tokens (`<|im_end|>`, `<|endoftext|>`, `</s>`, ...) are removed in every case; whitespace the
 * model wrote before them is kept, since the format reward judges it.
 */
export function extractResponse(query: string, prompt: string | undefined): { response: string; extraction: ExtractionMethod } {
  let response: string;
  let extraction: ExtractionMethod;
  if (prompt !== undefined && prompt.length > 0 && query.startsWith(prompt)) {
    response = query.slice(prompt.length);
    extraction = "prefix";
  } else {
    let best = -1;
    let markerLength = 0;
    for (const marker of ASSISTANT_MARKERS) {
      const at = query.lastIndexOf(marker);
      if (at > best) {
        best = at;
        markerLength = marker.length;
      }
    }
    if (best !== -1) {
      response = query.slice(best + markerLength);
      extraction = "assistant_marker";
    } else {
      response = query;
      extraction = "whole_query";
    }
  }
  return { response: stripEndTokens(response), extraction };
}

/**
 * Removes a trailing run of end tokens and the whitespace the template puts between and after
 * them; whitespace before the first of them is the model's own and stays. Whitespace is
 * Python's (PY_WHITESPACE), so the emitted OpenRLHF plugin cuts at the same place.
 */
export function stripEndTokens(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  // Every end token ends with ">" or "]"; anything else ending the text (or whitespace) needs no scan.
  if (last !== 0x3e && last !== 0x5d && !isPyWhitespace(last)) return text;
  let end = text.length;
  let cut = -1;
  while (true) {
    let e = end;
    while (e > 0 && isPyWhitespace(text.charCodeAt(e - 1))) e--;
    const token = END_TOKENS.find((t) => text.endsWith(t, e));
    if (!token) break;
    end = e - token.length;
    cut = end;
  }
  return cut === -1 ? text : text.slice(0, cut);
}

/** Decodes one OpenRLHF label (see the module comment); throws RequestError naming `labels[i]`. */
export function decodeLabel(label: unknown, index: number): Truth {
  const where = `labels[${index}]`;
  if (label === null || label === undefined) {
    throw new RequestError(400, `${where} is ${label === null ? "null" : "missing"}: start OpenRLHF with --data.label_key (older: --label_key) naming the dataset field that holds the ground truth`);
  }
  if (typeof label === "string") {
    const text = pyStrip(label);
    if (text.startsWith("{")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new RequestError(400, `${where}: starts with "{" but is not valid JSON (${(err as Error).message})`);
      }
      return truthFromObject(parsed, where);
    }
    if (text === "") throw new RequestError(400, `${where}: empty label; expected an emotion word or a JSON object {"AUs": [...], "labels": [...]}`);
    return { labels: [label] };
  }
  if (Array.isArray(label)) {
    // `--data.label_key labels` on a dataset record sends its labels list itself.
    const bad = label.findIndex((l) => typeof l !== "string");
    if (bad !== -1) throw new RequestError(400, `${where}[${bad}]: expected a string, got ${typeName(label[bad])}`);
    return { labels: label as string[] };
  }
  if (typeof label === "object") return truthFromObject(label, where);
  throw new RequestError(400, `${where}: expected a string (an emotion word or a JSON object {"AUs": [...], "labels": [...]}) or a list of labels, got ${typeName(label)}`);
}

function truthFromObject(value: unknown, where: string): Truth {
  const result = LabelObjectSchema.safeParse(value);
  if (!result.success) throw new RequestError(400, `${where}${firstIssue(result.error)}`);
  const { AUs, labels, solution } = result.data;
  if (AUs === undefined && labels === undefined && solution === undefined) {
    throw new RequestError(400, `${where}: the object has none of the keys "AUs", "labels", "solution"`);
  }
  return { ...(AUs ? { AUs } : {}), ...(labels ? { labels } : {}), ...(solution !== undefined ? { solution } : {}) };
}

/** Validates an OpenRLHF `/get_reward` body into scoring items, in order. */
export function parseOpenRlhfRequest(body: unknown): OpenRlhfItem[] {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestError(400, `expected a JSON object {"query": [...], "prompts": [...], "labels": [...]}, got ${typeName(body)}`);
  }
  const { query, prompts, labels } = body as Record<string, unknown>;
  const queries = stringList(query, "query", true)!;
  const promptList = stringList(prompts, "prompts", false);
  if (promptList && promptList.length !== queries.length) {
    throw new RequestError(400, `prompts has ${promptList.length} item(s) but query has ${queries.length}`);
  }
  if (labels === undefined || labels === null) {
    throw new RequestError(400, 'missing field "labels": start OpenRLHF with --data.label_key (older: --label_key) naming the dataset field that holds the ground truth');
  }
  const labelList = typeof labels === "string" ? [labels] : labels;
  if (!Array.isArray(labelList)) throw new RequestError(400, `labels: expected an array, got ${typeName(labels)}`);
  if (labelList.length !== queries.length) throw new RequestError(400, `labels has ${labelList.length} item(s) but query has ${queries.length}`);
  const items: OpenRlhfItem[] = new Array(queries.length);
  // The num_generations completions of one prompt carry the same label string: decode it once.
  const decoded = new Map<string, Truth>();
  for (let i = 0; i < queries.length; i++) {
    const { response, extraction } = extractResponse(queries[i], promptList?.[i]);
    const label: unknown = labelList[i];
    let truth = typeof label === "string" ? decoded.get(label) : undefined;
    if (!truth) {
      truth = decodeLabel(label, i);
      if (typeof label === "string") decoded.set(label, truth);
    }
    items[i] = { completion: response, truth, extraction };
  }
  return items;
}

/** Validates a `/v1/rewards/<name>` body: as `/v1/score`, each item with an optional `prompt`. */
export function parseRewardRequest(body: unknown): (Truth & { completion: string; prompt?: string })[] {
  const items = parseScoreRequest(body);
  const list = (Array.isArray(body) ? body : (body as { items: unknown[] }).items) as { prompt?: unknown }[];
  return items.map((item, i) => {
    const prompt = list[i].prompt;
    if (prompt !== undefined && prompt !== null && typeof prompt !== "string") throw new RequestError(400, `[${i}].prompt: expected a string, got ${typeName(prompt)}`);
    return { completion: item.completion, ...item.truth, ...(typeof prompt === "string" ? { prompt } : {}) };
  });
}

/** Validates a `/v1/score` body: an array of `{completion, AUs, labels}` (or `{"items": [...]}`). */
export function parseScoreRequest(body: unknown): ScoringItem[] {
  const list = Array.isArray(body) ? body : body !== null && typeof body === "object" ? (body as { items?: unknown }).items : undefined;
  if (!Array.isArray(list)) {
    throw new RequestError(400, `expected a JSON array [{"completion": "...", "AUs": [...], "labels": [...]}], got ${typeName(body)}`);
  }
  const items: ScoringItem[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const result = ScoreItemSchema.safeParse(list[i]);
    if (!result.success) throw new RequestError(400, `[${i}]${firstIssue(result.error)}`);
    const { completion, AUs, labels, solution } = result.data;
    items[i] = { completion, truth: { ...(AUs ? { AUs } : {}), ...(labels ? { labels } : {}), ...(solution !== undefined ? { solution } : {}) } };
  }
  return items;
}

function stringList(value: unknown, name: string, required: boolean): string[] | undefined {
  if (value === undefined || value === null) {
    if (required) throw new RequestError(400, `missing field "${name}": expected an array of strings`);
    return undefined;
  }
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw new RequestError(400, `${name}: expected an array of strings, got ${typeName(value)}`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") throw new RequestError(400, `${name}[${i}]: expected a string, got ${typeName(value[i])}`);
  }
  return value as string[];
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return `${path}: ${issue.message}`;
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
