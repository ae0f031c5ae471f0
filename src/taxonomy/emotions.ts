/** The unified label words (nouns) that every converter and metric speaks. */
export const EMOTIONS = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise", "contempt"] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** The seven basic classes used when a file carries no label set of its own. */
export const BASIC_EMOTIONS: readonly Emotion[] = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];

const EMOTION_SET: ReadonlySet<string> = new Set(EMOTIONS);

export function isEmotion(word: string): word is Emotion {
  return EMOTION_SET.has(word);
}

/**
 * Adjectives and common variants of each unified label, lower case. Used to suggest
 * fixes for labels and by the opt-in `normalized` reward preset.
 */
export const EMOTION_SYNONYMS: Readonly<Record<Emotion, readonly string[]>> = {
  anger: ["angry", "anger", "mad", "furious", "rage"],
  disgust: ["disgusted", "disgust", "disgusting"],
  fear: ["fearful", "fear", "afraid", "scared", "frightened"],
  happiness: ["happy", "happiness", "joy", "joyful"],
  neutral: ["neutral", "neutrality", "calm"],
  sadness: ["sad", "sadness", "unhappy", "sorrow"],
  surprise: ["surprised", "surprise", "astonished"],
  contempt: ["contempt", "contemptuous"],
};

const SYNONYM_TO_EMOTION: ReadonlyMap<string, Emotion> = new Map(
  EMOTIONS.flatMap((emotion) => EMOTION_SYNONYMS[emotion].map((word) => [word, emotion] as const)),
);

/** The unified label a free-form word stands for (case-insensitive), if any. */
export function canonicalEmotion(word: string): Emotion | undefined {
  return SYNONYM_TO_EMOTION.get(word.trim().toLowerCase());
}
