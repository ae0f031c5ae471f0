import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Sample } from "../schema/sample.js";
import { ACTION_UNITS, auNumber, auToken, compareAuTokens } from "../taxonomy/action-units.js";
import { BASIC_EMOTIONS, EMOTIONS, type Emotion } from "../taxonomy/emotions.js";
import { encodePng } from "../util/png.js";
import { writeFileAtomic } from "../util/fs.js";
import { SeededRandom } from "./seeded-random.js";

/**
 * The small synthetic dataset shipped in `samples/fea-sample/` for `facial-r1 quickstart`
 * and examples: Facial-R1 (FEA) records whose AUs fit their emotion, and 64x64 PNG images of
 * gradients and shapes (no faces, no real data). Deterministic: regenerating gives the same
 * bytes (a test compares them with the checked-in copy; `scripts/generate-sample.ts` writes it).
 */

export const SAMPLE_SEED = "fea-sample";
export const IMAGE_SIZE = 64;

/** Core AUs of each emotion (EMFACS prototypes) and AUs that may accompany them. */
const PROTOTYPES: Readonly<Record<Emotion, { core: number[]; optional: number[] }>> = {
  happiness: { core: [6, 12], optional: [25] },
  sadness: { core: [1, 4, 15], optional: [17] },
  surprise: { core: [1, 2, 5], optional: [26] },
  fear: { core: [1, 2, 4, 5, 20], optional: [26] },
  anger: { core: [4, 5, 7, 23], optional: [24] },
  disgust: { core: [9, 15], optional: [10] },
  contempt: { core: [14], optional: [] },
  neutral: { core: [], optional: [] },
};

/** Fill colour of each emotion's shape (RGB). */
const EMOTION_COLORS: Readonly<Record<Emotion, [number, number, number]>> = {
  anger: [200, 40, 40],
  disgust: [90, 140, 40],
  fear: [120, 60, 160],
  happiness: [240, 190, 30],
  neutral: [140, 140, 140],
  sadness: [40, 80, 190],
  surprise: [240, 120, 30],
  contempt: [150, 90, 60],
};

interface DatasetPlan {
  name: string;
  emotions: readonly Emotion[];
}

const DATASETS: readonly DatasetPlan[] = [
  { name: "rafdb", emotions: BASIC_EMOTIONS },
  { name: "fer2013", emotions: BASIC_EMOTIONS },
  { name: "affectnet", emotions: EMOTIONS },
  { name: "disfa", emotions: ["happiness", "sadness", "surprise", "fear", "disgust", "neutral"] },
];

/** Per dataset: 3 training subjects with 3 records each, 1 test subject with 3 records. */
const TRAIN_SUBJECTS = 3;
const RECORDS_PER_SUBJECT = 3;

const QUESTIONS = [
  "Analyze the facial expression in the image. Identify the active facial Action Units (AUs), explain what they indicate, and give the emotion.",
  "As an expert in facial expression analysis, describe the visible Action Units (AUs) of this face and state the emotion they convey.",
];

const SHAPES = ["circle", "square", "diamond", "ring"] as const;

export interface SampleFile {
  /** Path relative to the sample directory, with `/` separators. */
  path: string;
  data: Buffer;
}

/** Every file of the sample dataset, sorted by path. */
export function generateSampleDataset(): SampleFile[] {
  const random = new SeededRandom(SAMPLE_SEED);
  const train: Sample[] = [];
  const test: Sample[] = [];
  const images: SampleFile[] = [];
  for (const dataset of DATASETS) {
    const emotions = random.shuffle([...dataset.emotions]);
    let next = 0;
    for (let subject = 1; subject <= TRAIN_SUBJECTS + 1; subject++) {
      const split = subject <= TRAIN_SUBJECTS ? "train" : "test";
      for (let k = 0; k < RECORDS_PER_SUBJECT; k++) {
        const emotion = emotions[next++ % emotions.length];
        const index = (subject - 1) * RECORDS_PER_SUBJECT + k + 1;
        const id = `${dataset.name}-${split}-${String(index).padStart(4, "0")}`;
        const image = `${dataset.name}/${id}.png`;
        const AUs = activeUnits(emotion, random);
        (split === "train" ? train : test).push({
          id,
          dataset: dataset.name,
          image,
          question: random.pick(QUESTIONS),
          AUs,
          labels: [emotion],
          description: describe(emotion, AUs),
          meta_info: { subject: `${dataset.name}-S${String(subject).padStart(2, "0")}`, source: "synthetic", frame: index },
        });
        images.push({ path: `images/${image}`, data: drawImage(emotion, random) });
      }
    }
  }
  const files: SampleFile[] = [
    { path: "train.jsonl", data: jsonl(train) },
    { path: "test.jsonl", data: jsonl(test) },
    { path: "README.md", data: Buffer.from(readme(train.length, test.length)) },
    ...images,
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Writes the sample into `dir`, replacing what was there. */
export async function writeSampleDataset(dir: string): Promise<SampleFile[]> {
  const files = generateSampleDataset();
  await rm(dir, { recursive: true, force: true });
  for (const file of files) {
    const path = join(dir, ...file.path.split("/"));
    await writeFileAtomic(path, file.data);
  }
  return files;
}

function activeUnits(emotion: Emotion, random: SeededRandom): string[] {
  const { core, optional } = PROTOTYPES[emotion];
  const numbers = [...core, ...optional.filter(() => random.below(2) === 1)];
  return numbers.map(auToken).sort(compareAuTokens);
}

/** A Facial-R1 style description: each AU named with its movement, then the emotion. */
function describe(emotion: Emotion, AUs: readonly string[]): string {
  if (AUs.length === 0) {
    return "The brows, eyelids and mouth are at rest and no Action Unit is clearly active; the face shows no marked muscle movement, which indicates a neutral expression.";
  }
  const cues = AUs.map((au) => `${ACTION_UNITS[auNumber(au)].toLowerCase()} (${au})`);
  const listed = cues.length === 1 ? cues[0] : `${cues.slice(0, -1).join(", ")} and ${cues[cues.length - 1]}`;
  return `The face shows ${listed}. Together these movements are characteristic of ${emotion}, so the expressed emotion is ${emotion}.`;
}

/** A 64x64 RGB picture: a vertical two-colour gradient with one filled shape. No faces. */
function drawImage(emotion: Emotion, random: SeededRandom): Buffer {
  const size = IMAGE_SIZE;
  const top = [random.below(256), random.below(256), random.below(256)];
  const bottom = [random.below(256), random.below(256), random.below(256)];
  const color = EMOTION_COLORS[emotion];
  const shape = random.pick(SHAPES);
  const radius = 10 + random.below(10);
  const cx = radius + random.below(size - 2 * radius);
  const cy = radius + random.below(size - 2 * radius);
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = insideShape(shape, x - cx, y - cy, radius);
      for (let c = 0; c < 3; c++) {
        pixels[(y * size + x) * 3 + c] = inside ? color[c] : Math.round(top[c] + ((bottom[c] - top[c]) * y) / (size - 1));
      }
    }
  }
  return encodePng(size, size, pixels, "rgb");
}

function insideShape(shape: (typeof SHAPES)[number], dx: number, dy: number, r: number): boolean {
  switch (shape) {
    case "circle":
      return dx * dx + dy * dy <= r * r;
    case "square":
      return Math.abs(dx) <= r * 0.8 && Math.abs(dy) <= r * 0.8;
    case "diamond":
      return Math.abs(dx) + Math.abs(dy) <= r;
    case "ring": {
      const d = dx * dx + dy * dy;
      return d <= r * r && d >= (r * 0.6) ** 2;
    }
  }
}

function jsonl(records: readonly Sample[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

function readme(train: number, test: number): string {
  return `# fea-sample

A small synthetic dataset in the Facial-R1 (FEA) JSONL format, used by \`facial-r1 quickstart\`
and the examples. Generated by \`scripts/generate-sample.ts\`; do not edit by hand.

- \`train.jsonl\` (${train} records) and \`test.jsonl\` (${test} records) across ${DATASETS.length} dataset tags
  (${DATASETS.map((d) => d.name).join(", ")}); each record's AUs are a typical set for its emotion
  label, and \`meta_info.subject\` names a made-up subject (test subjects do not appear in train).
- \`images/\`: ${IMAGE_SIZE}x${IMAGE_SIZE} PNG pictures of colour gradients and shapes; the \`image\` field of
  each record is relative to this folder. They contain no faces and no data of any person.
`;
}
