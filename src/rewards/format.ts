import { isPyWhitespace, pyStrip } from "./python-text.js";
import { ANSWER_CLOSE, ANSWER_OPEN, THINK_CLOSE, THINK_OPEN, countOccurrences } from "./tags.js";
import type { RewardPresetName } from "../schema/reward-spec.js";

/**
 * Published format reward: 1.0 when the whole completion matches
 * `<think>.*?</think>\s*<answer>.*?</answer>` (Python re.fullmatch, re.DOTALL), else 0.0.
 *
 * Computed without backtracking: the completion must start with `<think>` and end with
 * `</answer>`, and some `</think>` (not overlapping the opening tag) must be followed by
 * Python-whitespace and then `<answer>`, ending no later than where the final `</answer>`
 * starts. The lazy groups may contain anything, tags included.
 */
export function publishedFormat(text: string): number {
  if (!text.startsWith(THINK_OPEN) || !text.endsWith(ANSWER_CLOSE)) return 0;
  const finalClose = text.length - ANSWER_CLOSE.length;
  let p = text.indexOf(THINK_CLOSE, THINK_OPEN.length);
  while (p !== -1) {
    let r = p + THINK_CLOSE.length;
    while (r < text.length && isPyWhitespace(text.charCodeAt(r))) r++;
    // Later `</think>` occurrences start at or after r, so their `<answer>` can only come later.
    if (r + ANSWER_OPEN.length > finalClose) return 0;
    if (text.startsWith(ANSWER_OPEN, r)) return 1;
    p = text.indexOf(THINK_CLOSE, p + 1);
  }
  return 0;
}

/**
 * Normalized format reward: surrounding whitespace is ignored, and the completion must hold
 * exactly one of each tag, in the published layout `<think>…</think>\s*<answer>…</answer>`.
 */
export function normalizedFormat(text: string): number {
  const t = pyStrip(text);
  for (const tag of [THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE]) {
    if (countOccurrences(t, tag) !== 1) return 0;
  }
  return publishedFormat(t);
}

export function formatReward(text: string, preset: RewardPresetName): number {
  return preset === "normalized" ? normalizedFormat(text) : publishedFormat(text);
}
