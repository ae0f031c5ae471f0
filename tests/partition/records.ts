import { writeFile } from "node:fs/promises";
import { SeededRandom } from "../../src/data/seeded-random.js";

const LABEL_AUS: Record<string, string[]> = {
  happiness: ["AU6", "AU12"],
  sadness: ["AU1", "AU4", "AU15"],
  surprise: ["AU1", "AU2", "AU26"],
  anger: ["AU4", "AU7", "AU23"],
  neutral: [],
};

/** Labels with deliberately uneven frequencies (happiness common, neutral rare). */
const WEIGHTED_LABELS = ["happiness", "happiness", "happiness", "happiness", "sadness", "sadness", "surprise", "anger", "anger", "neutral"];

export interface RecordOptions {
  count: number;
  subjects?: number;
  seed?: number;
  prefix?: string;
}

/** Valid sample records with a skewed label mix and `meta_info.subject` of varying group sizes. */
export function makeRecords(options: RecordOptions): Record<string, unknown>[] {
  const random = new SeededRandom(options.seed ?? 1);
  const subjects = options.subjects ?? 20;
  return Array.from({ length: options.count }, (_, i) => {
    const label = random.pick(WEIGHTED_LABELS);
    // Squaring skews subject sizes: low-numbered subjects have many more records.
    const subject = Math.floor(random.float() ** 2 * subjects);
    return {
      id: `${options.prefix ?? "r"}${i}`,
      dataset: i % 3 === 0 ? "rafdb" : "fer2013",
      image: `img/${i}.png`,
      question: "What is the emotion?",
      AUs: LABEL_AUS[label],
      labels: [label],
      description: `record ${i}`,
      meta_info: { subject: `S${String(subject).padStart(3, "0")}`, index: i },
    };
  });
}

export async function writeJsonl(path: string, lines: (Record<string, unknown> | string)[]): Promise<void> {
  await writeFile(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
}
