import { PY_WHITESPACE_CLASS_BODY, PY_WORD_CHAR } from "../../rewards/python-text.js";
import type { BinaryCounts } from "./au.js";
import { numpyMean } from "./mean.js";

/**
 * REGE of FABA-Bench: S_re (recognition) + S_ge (generation), each a fraction here
 * (the paper prints both ×100, so REGE spans 0..2 here and 0..200 there).
 */

/** FABA's seven classes with their synonyms, in the order they are tried. */
export const REGE_SYNONYMS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["happiness", ["happiness", "happy", "smiling", "smile", "pleasant", "content", "contentment", "relaxed", "relaxation", "cheerful", "joy", "amusement", "amused", "positivity", "positive", "lightheartedness", "joyful", "friendly", "warmth", "bright"]],
  ["sadness", ["sadness", "crying", "distress", "concern", "discomfort", "anguish", "somber"]],
  ["surprise", ["surprise", "surprised", "startled", "puzzled", "astonishment", "disbelief", "wonder", "curiosity", "curious", "confusion", "bewilderment", "skepticism", "excitement", "uncertainty"]],
  ["anger", ["anger", "mad", "irate", "outraged", "agitation", "irritated", "enraged", "annoyed", "incensed", "serious", "frustration", "displeased", "stern"]],
  ["neutral", ["neutral", "neutrality", "calm", "contemplative", "concerned", "thoughtful", "focused", "solemn", "mild"]],
  ["disgust", ["disgust", "distaste", "disgusted", "discomfort", "displeasure", "displeased", "disapproval", "disdain", "contempt"]],
  ["fear", ["fear", "shock", "anxiety", "apprehension", "tension", "panic", "alertness", "focus", "worry", "alarm", "curiosity", "contemplation"]],
];

export const REGE_CLASSES: readonly string[] = REGE_SYNONYMS.map(([label]) => label);

/** FABA-Bench's 12 AUs, in the order their F1s are averaged. */
export const REGE_AUS: readonly string[] = ["1", "2", "4", "5", "6", "10", "12", "17", "24", "25", "26", "43"];

const FIRST_CLASS_OF_WORD: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [label, words] of REGE_SYNONYMS) for (const word of words) if (!map.has(word)) map.set(word, label);
  return map;
})();

/** Substrings that mark a sentence as negated (matched anywhere in the lower-cased sentence, as FABA-Bench does). */
const NEGATIONS = ["not", "no", "isn't ", "nothing", "cannot", "won't", "shouldn't", "neither", "nor"];

/** A whitespace after "." or "?", except after abbreviations like "e.g." or "Mr.". */
const SENTENCE_BREAK = new RegExp(
  `(?<![${PY_WORD_CHAR}]\\.[${PY_WORD_CHAR}][^\\n])(?<![A-Z][a-z]\\.)(?<=\\.|\\?)[${PY_WHITESPACE_CLASS_BODY}]`,
  "u",
);
const FIRST_SENTENCE = /^([^\n]*?)[.!?]/;
const WORD = new RegExp(`[${PY_WORD_CHAR}]+`, "gu");

function dropNegatedSentences(text: string): string {
  return text
    .split(SENTENCE_BREAK)
    .filter((sentence) => {
      const lower = sentence.toLowerCase();
      return !NEGATIONS.some((negation) => lower.includes(negation));
    })
    .join(" ");
}

/**
 * The emotion a free-text description states, read as FABA-Bench reads it: sentences with
 * a negation are dropped (all of the text is kept if that leaves nothing); the first word
 * of the first sentence that is a synonym decides (earliest class on ties); otherwise the
 * class with most synonym hits in the rest of the text (earliest class on ties, so
 * `happiness` when there is none). A text without any sentence end in its first line is
 * read as one sentence (FABA-Bench's code fails on it).
 */
export function descriptionToEmotion(description: string): string {
  let text = dropNegatedSentences(description);
  if (text === "") text = description;
  const first = FIRST_SENTENCE.exec(text);
  const firstSentence = first ? first[1] : text;
  const rest = first ? text.slice(first[0].length) : "";
  for (const word of firstSentence.toLowerCase().match(WORD) ?? []) {
    const label = FIRST_CLASS_OF_WORD.get(word);
    if (label !== undefined) return label;
  }
  const hits = new Map(REGE_CLASSES.map((label) => [label, 0]));
  for (const word of rest.toLowerCase().match(WORD) ?? []) {
    for (const [label, words] of REGE_SYNONYMS) if (words.includes(word)) hits.set(label, hits.get(label)! + 1);
  }
  let best = REGE_CLASSES[0];
  for (const label of REGE_CLASSES) if (hits.get(label)! > hits.get(best)!) best = label;
  return best;
}

/** AU numbers an output names, as FABA-Bench reads them: every `AU(\d+)`, digits kept as written. */
export function readRegeAuNumbers(text: string): Set<string> {
  return new Set([...text.matchAll(/AU(\d+)/g)].map((m) => m[1]));
}

/**
 * Per-AU F1 as FABA-Bench's `get_acc_F1`: 0 without true positives, else 2PR / (P + R).
 * Undefined for an AU whose truths and predictions are all equal (sklearn's confusion
 * matrix is then 1×1 and the reference code skips the AU).
 */
export function regeAuF1(c: BinaryCounts): number | undefined {
  const allNegative = c.tp === 0 && c.fp === 0 && c.fn === 0;
  const allPositive = c.tn === 0 && c.fp === 0 && c.fn === 0;
  if (allNegative || allPositive) return undefined;
  if (c.tp === 0) return 0;
  const p = c.tp / (c.tp + c.fp);
  const r = c.tp / (c.tp + c.fn);
  return (2 * p * r) / (p + r);
}

/** Mean of the per-AU F1s over the FABA AUs that are defined (NumPy order of addition). */
export function regeAuRecognition(countsOf: (au: string) => BinaryCounts): { s_re: number | null; per_au: Record<string, number | null> } {
  const perAu: Record<string, number | null> = {};
  const f1s: number[] = [];
  for (const au of REGE_AUS) {
    const f1 = regeAuF1(countsOf(au));
    perAu[`AU${au}`] = f1 ?? null;
    if (f1 !== undefined) f1s.push(f1);
  }
  return { s_re: numpyMean(f1s) ?? null, per_au: perAu };
}
