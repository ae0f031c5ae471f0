/**
 * Writes rollout debug logs byte for byte as VLM-R1's reward functions do (Python f-strings,
 * one `open(LOG_PATH, "a")` per block), for tests.
 */
export interface AccuracyBlock {
  time: string;
  /** Python's str() of the float reward, e.g. "1.0". */
  reward: string;
  method?: string;
  imagePath: string;
  problem: string;
  content: string;
  solution: string;
}

export function accuracyBlock(b: AccuracyBlock): string {
  return (
    `------------- ${b.time} Accuracy reward: ${b.reward} -------------\n` +
    `accu_reward_method: ${b.method ?? "default"}\n` +
    `image_path: ${b.imagePath}\n` +
    `problem: ${b.problem}\n` +
    `Content: ${b.content}\n` +
    `Solution: ${b.solution}\n`
  );
}

/** The older VLM-R1 block: only Content and Solution. */
export function oldAccuracyBlock(b: Pick<AccuracyBlock, "time" | "reward" | "content" | "solution">): string {
  return `------------- ${b.time} Accuracy reward: ${b.reward} -------------\nContent: ${b.content}\nSolution: ${b.solution}\n`;
}

export function formatBlock(time: string, items: { content: string; hasFormat: boolean }[]): string {
  return `------------- ${time} Format reward -------------\n` + items.map((i) => `Content: ${i.content}\nHas format: ${i.hasFormat ? "True" : "False"}\n`).join("");
}

export const PROBLEM_A =
  "Analyze the facial expression in the image.\nFirst identify the active Action Units, then answer with one of: anger, disgust, fear, happiness, neutral, sadness, surprise.";
export const PROBLEM_B = "What emotion does this person show? Answer with one word.";
export const IMAGE_A = "['/data/fea/images/rafdb/test_0001_aligned.jpg']";
export const IMAGE_B = "['/data/fea/images/affectnet/train/1187.jpg']";
