import { PY_WHITESPACE, PY_WHITESPACE_CLASS, asciiLower } from "./python-text.js";

/** Characters the normalized preset trims from both ends of a label (after lower-casing). */
export const LABEL_EDGE_CHARS = `${PY_WHITESPACE}.,;:!?"'\`*_()[]{}\u3002\uff0c\uff1b\uff1a\uff01\uff1f\u201c\u201d\u2018\u2019`;

const EDGE: ReadonlySet<string> = new Set(LABEL_EDGE_CHARS);
const WHITESPACE_RUN = new RegExp(`${PY_WHITESPACE_CLASS}+`, "g");

/** ASCII lower case, edge punctuation and whitespace trimmed, inner whitespace runs -> one space. */
export function normalizeLabelText(text: string): string {
  const lower = asciiLower(text);
  let start = 0;
  let end = lower.length;
  while (start < end && EDGE.has(lower[start])) start++;
  while (end > start && EDGE.has(lower[end - 1])) end--;
  return lower.slice(start, end).replace(WHITESPACE_RUN, " ");
}

export type LabelVocabulary = ReadonlyMap<string, string>;

/** normalized word -> canonical label, first entry winning (object key order). */
export function labelVocabulary(labels: Readonly<Record<string, readonly string[]>>): LabelVocabulary {
  const map = new Map<string, string>();
  for (const [canonical, synonyms] of Object.entries(labels)) {
    for (const word of [canonical, ...synonyms]) {
      const key = normalizeLabelText(word);
      if (key !== "" && !map.has(key)) map.set(key, canonical);
    }
  }
  return map;
}

/** The canonical label a free-form answer stands for, or its normalized text when unknown. */
export function canonicalLabel(text: string, vocabulary: LabelVocabulary): string {
  const key = normalizeLabelText(text);
  return vocabulary.get(key) ?? key;
}
