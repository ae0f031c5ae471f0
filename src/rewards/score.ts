import { DEFAULT_REWARD_SPEC, type RewardSpec } from "../schema/reward-spec.js";
import { formatReward } from "./format.js";
import { normalizedAccuracy, publishedAccuracy } from "./accuracy.js";
import {
  auScore,
  normalizedAUsInText,
  normalizedTruthAUs,
  publishedAUsInText,
  publishedPredictedAUs,
  publishedTruthAUs,
} from "./au.js";
import { labelVocabulary, type LabelVocabulary } from "./labels.js";
import { completionText, truthAUs, truthLabel, type Truth } from "./truth.js";

export type { Truth } from "./truth.js";
export { completionText } from "./truth.js";

export type RewardScores = { format: number; accuracy: number; au: number; total: number };

/** The scores of something that is not a completion (not text, not a message list). */
export const NEUTRAL_SCORES: Readonly<RewardScores> = Object.freeze({ format: 0, accuracy: 0, au: 0, total: 0 });

/** The three rewards of one completion; null where the ground truth is missing altogether. */
export interface RewardComponents {
  format: number;
  accuracy: number | null;
  au: number | null;
}

export type Scorer = (completion: unknown, truth: Truth) => RewardScores;

const vocabularies = new WeakMap<RewardSpec, LabelVocabulary>();

function vocabularyOf(spec: RewardSpec): LabelVocabulary {
  let vocabulary = vocabularies.get(spec);
  if (!vocabulary) {
    vocabulary = labelVocabulary(spec.labels);
    vocabularies.set(spec, vocabulary);
  }
  return vocabulary;
}

/** Format, accuracy and AU rewards of one completion's text (unweighted). */
export function scoreComponents(text: string, truth: Truth, spec: RewardSpec = DEFAULT_REWARD_SPEC): RewardComponents {
  const normalized = spec.preset === "normalized";
  const format = formatReward(text, spec.preset);

  const label = truthLabel(truth);
  let accuracy: number | null = null;
  if (label !== undefined) accuracy = normalized ? normalizedAccuracy(text, label, vocabularyOf(spec)) : publishedAccuracy(text, label);

  const aus = truthAUs(truth);
  let au: number | null = null;
  if (aus !== undefined) {
    const truthSet =
      "list" in aus
        ? normalized
          ? normalizedTruthAUs(aus.list)
          : publishedTruthAUs(aus.list)
        : normalized
          ? normalizedAUsInText(aus.text)
          : publishedAUsInText(aus.text);
    const predicted = normalized ? normalizedAUsInText(text) : publishedPredictedAUs(text);
    au = auScore(predicted, truthSet, spec.beta);
  }
  return { format, accuracy, au };
}

/**
 * total = format * w.format + accuracy * w.accuracy + au * w.au, left to right, then clamped
 * when the spec says so. A missing ground truth scores like an empty one: accuracy 0.5, AU 0.0.
 */
export function combine(components: RewardComponents, spec: RewardSpec = DEFAULT_REWARD_SPEC): RewardScores {
  const format = components.format;
  const accuracy = components.accuracy ?? 0.5;
  const au = components.au ?? 0;
  const w = spec.weights;
  let total = format * w.format + accuracy * w.accuracy + au * w.au;
  if (spec.clamp) {
    const [low, high] = spec.clamp;
    total = total < low ? low : total > high ? high : total;
  }
  return { format, accuracy, au, total };
}

/**
 * Scores one completion (a string or a message list). Something that is not a completion
 * gets NEUTRAL_SCORES; malformed ground truth columns follow the rules of truthLabel/truthAUs.
 */
export function scoreCompletion(
  completion: unknown,
  truth: { AUs?: unknown; labels?: unknown; solution?: unknown },
  spec: RewardSpec = DEFAULT_REWARD_SPEC,
): RewardScores {
  const text = completionText(completion);
  if (text === undefined) return { ...NEUTRAL_SCORES };
  return combine(scoreComponents(text, truth ?? {}, spec), spec);
}

export function scoreBatch(
  items: Iterable<{ completion: unknown; AUs?: unknown; labels?: unknown; solution?: unknown }>,
  spec: RewardSpec = DEFAULT_REWARD_SPEC,
): RewardScores[] {
  const out: RewardScores[] = [];
  for (const item of items) out.push(scoreCompletion(item.completion, item, spec));
  return out;
}
