import { BASIC_EMOTIONS, EMOTIONS, canonicalEmotion } from "../taxonomy/emotions.js";
import { PY_WHITESPACE_CLASS_BODY } from "../rewards/python-text.js";

/**
 * How a raw model output is read, and which AUs and classes are scored:
 * - `facial-r1`: exactly what the paper's evaluation code does (reference/method.md).
 * - `standard`: the literature's fixed AU lists and class lists per benchmark, with
 *   tolerant reading of AU tokens and emotion words.
 */
export const PROTOCOLS = ["facial-r1", "standard"] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export interface Benchmark {
  name: string;
  /** Fixed AU list of the literature's protocol, when the benchmark has AU labels. */
  aus?: readonly string[];
  /** Emotion class list, when the benchmark has emotion labels. */
  classes?: readonly string[];
}

const au = (...numbers: number[]): string[] => numbers.map((n) => `AU${n}`);

export const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  disfa: { name: "disfa", aus: au(1, 2, 4, 6, 9, 12, 25, 26) },
  bp4d: { name: "bp4d", aus: au(1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24) },
  faba: { name: "faba", aus: au(1, 2, 4, 5, 6, 10, 12, 17, 24, 25, 26, 43), classes: BASIC_EMOTIONS },
  fer2013: { name: "fer2013", classes: BASIC_EMOTIONS },
  rafdb: { name: "rafdb", classes: BASIC_EMOTIONS },
  affectnet: { name: "affectnet", classes: EMOTIONS },
};

export const BENCHMARK_NAMES = Object.keys(BENCHMARKS);

const ALIASES: Readonly<Record<string, string>> = { fabainstruct: "faba", fababench: "faba", raf: "rafdb", rafbasic: "rafdb", fer: "fer2013" };

/** The benchmark a name or dataset tag stands for (`FABA-Instruct`, `raf-db`, `BP4D` ...). */
export function resolveBenchmark(name: string | undefined): Benchmark | undefined {
  if (name === undefined) return undefined;
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return BENCHMARKS[ALIASES[key] ?? key];
}

/** What one output says, as a protocol reads it. */
export interface ReadOutput {
  aus: Set<string>;
  /** The first predicted label, or undefined when there is none. */
  label: string | undefined;
}

/**
 * The text between the first `open` tag and the first `close` tag after it, as the regex
 * `open(.*?)close` with dot matching newlines finds it; undefined without such a pair.
 */
export function firstBlock(text: string, open: string, close: string): string | undefined {
  const start = text.indexOf(open);
  if (start === -1) return undefined;
  const end = text.indexOf(close, start + open.length);
  return end === -1 ? undefined : text.slice(start + open.length, end);
}
const LABEL_SEPARATORS = new RegExp(`[,;\\uff0c\\uff1b${PY_WHITESPACE_CLASS_BODY}]+`, "u");
const FIRST_LABEL = new RegExp(`[^,;\\uff0c\\uff1b${PY_WHITESPACE_CLASS_BODY}]+`, "u");

/** The first label of an answer text, without splitting all of it. */
export function firstLabel(text: string): string | undefined {
  const match = FIRST_LABEL.exec(text);
  return match ? match[0] : undefined;
}

/** Labels of an answer text: split on commas, semicolons (ASCII and full-width) and whitespace. */
export function splitLabels(text: string): string[] {
  return text.split(LABEL_SEPARATORS).filter((piece) => piece.length > 0);
}

/**
 * The paper's reading: AUs are every `AU\d+` (case-sensitive) of the first think block
 * (or the whole output), de-duplicated; labels come from the first answer block (or the
 * whole output).
 */
export function readFacialR1(output: string): ReadOutput {
  const think = firstBlock(output, "<think>", "</think>");
  const answer = firstBlock(output, "<answer>", "</answer>");
  const aus = new Set((think ?? output).match(/AU\d+/g) ?? []);
  return { aus, label: firstLabel(answer ?? output) };
}

const THINK_ANY_CASE = /<think>([\s\S]*?)<\/think>/i;
const ANSWER_ANY_CASE = /<answer>([\s\S]*?)<\/answer>/i;

/** `AU4`, `au4`, `AU04`, `AU 4`, `AU-4`, `AU_4` all read as `AU4`. */
export function readAuTokens(text: string): Set<string> {
  const aus = new Set<string>();
  for (const match of text.matchAll(/\bAU[\s_-]?0*([1-9][0-9]*)\b/gi)) aus.add(`AU${match[1]}`);
  return aus;
}

/** A label word in the unified vocabulary when it is a known synonym (case-insensitive, trailing punctuation ignored). */
export function normalizeLabel(word: string): string {
  const bare = word.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, "");
  return canonicalEmotion(bare) ?? bare.toLowerCase();
}

/**
 * The standard protocol's reading: think/answer tags in any case; AU tokens in any of the
 * usual spellings; the first answer label mapped to the unified vocabulary.
 */
export function readStandard(output: string): ReadOutput {
  const think = THINK_ANY_CASE.exec(output);
  const answer = ANSWER_ANY_CASE.exec(output);
  const first = firstLabel(answer ? answer[1] : output);
  return { aus: readAuTokens(think ? think[1] : output), label: first === undefined ? undefined : normalizeLabel(first) };
}
