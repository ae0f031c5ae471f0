import { pySplitWhitespace } from "../../rewards/python-text.js";

/**
 * Summary-level ROUGE-L as the `rouge` package by pltrdy computes it
 * (`Rouge().get_scores(hypothesis, reference)["rouge-l"]`): no lowercasing, no stemming;
 * texts split into sentences on "."; words are the space-separated pieces of each
 * whitespace-normalised sentence; per reference sentence the union of the words of its
 * LCS with every hypothesis sentence counts, each distinct word once across the summary;
 * P and R divide by the number of distinct words; F = 2PR / (P + R + 1e-8).
 */

export interface PltrdyRougeL {
  f: number;
  p: number;
  r: number;
}

/** The package's sentence split: pieces between dots that are not empty, whitespace-normalised. */
export function pltrdySentences(text: string): string[] {
  return text
    .split(".")
    .filter((piece) => piece.length > 0)
    .map((piece) => pySplitWhitespace(piece).join(" "));
}

/** The words of one LCS of `x` and `y`, back-tracked the way the package does (ties move left in `y`). */
function lcsWords(x: readonly string[], y: readonly string[]): string[] {
  const width = y.length + 1;
  const table = new Int32Array((x.length + 1) * width);
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      table[i * width + j] =
        x[i - 1] === y[j - 1] ? table[(i - 1) * width + j - 1] + 1 : Math.max(table[(i - 1) * width + j], table[i * width + j - 1]);
    }
  }
  const words: string[] = [];
  let i = x.length;
  let j = y.length;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      words.push(x[i - 1]);
      i--;
      j--;
    } else if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
    else j--;
  }
  return words;
}

/**
 * ROUGE-L of a hypothesis against a reference, or undefined where the package raises
 * ("Hypothesis is empty." / "Reference is empty.": no sentence on one side).
 */
export function pltrdyRougeL(hypothesis: string, reference: string): PltrdyRougeL | undefined {
  const hyp = pltrdySentences(hypothesis);
  const ref = pltrdySentences(reference);
  if (hyp.length === 0 || ref.length === 0) return undefined;
  const hypWords = hyp.map((s) => s.split(" "));
  const refWords = ref.map((s) => s.split(" "));
  const m = new Set(refWords.flat()).size;
  const n = new Set(hypWords.flat()).size;
  const union = new Set<string>();
  let llcs = 0;
  for (const refSentence of refWords) {
    const before = union.size;
    for (const hypSentence of hypWords) for (const word of lcsWords(refSentence, hypSentence)) union.add(word);
    llcs += union.size - before;
  }
  const r = llcs / m;
  const p = llcs / n;
  return { f: 2.0 * ((p * r) / (p + r + 1e-8)), p, r };
}
