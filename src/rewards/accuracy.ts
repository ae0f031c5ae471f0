import { pyStrip } from "./python-text.js";
import { lastAnswerBlock, removeAnswerTags } from "./tags.js";
import { canonicalLabel, type LabelVocabulary } from "./labels.js";

/** Reward when the ground-truth label is empty (published). */
export const EMPTY_TRUTH_ACCURACY = 0.5;

/**
 * Published: ground truth = label with answer tags removed, trimmed (empty -> 0.5); prediction =
 * the last `<answer>…</answer>` block (else the whole completion), trimmed; exact equality.
 */
export function publishedAccuracy(completion: string, truthLabel: string): number {
  const truth = pyStrip(removeAnswerTags(truthLabel));
  if (truth === "") return EMPTY_TRUTH_ACCURACY;
  const predicted = pyStrip(lastAnswerBlock(completion, false) ?? completion);
  return predicted === truth ? 1 : 0;
}

/**
 * Normalized: both sides ASCII-lower-cased, edge punctuation/whitespace trimmed, inner
 * whitespace collapsed and mapped through the label vocabulary (synonyms); answer tags are
 * found case-insensitively.
 */
export function normalizedAccuracy(completion: string, truthLabel: string, vocabulary: LabelVocabulary): number {
  const truth = canonicalLabel(removeAnswerTags(truthLabel), vocabulary);
  if (truth === "") return EMPTY_TRUTH_ACCURACY;
  const predicted = canonicalLabel(lastAnswerBlock(completion, true) ?? completion, vocabulary);
  return predicted === truth ? 1 : 0;
}
