import { basename } from "node:path";
import type { Emotion } from "../../taxonomy/emotions.js";
import { invalidInput } from "../../util/errors.js";
import { excerpt, headerColumns, readCsvRows } from "./csv.js";
import { EMOTION_QUESTION, type Converter, type ConvertOptions, type Outcome } from "./types.js";

/** FER2013 `emotion` codes (fer2013.csv). */
export const FER2013_LABELS: Readonly<Record<number, Emotion>> = {
  0: "anger",
  1: "disgust",
  2: "fear",
  3: "happiness",
  4: "sadness",
  5: "surprise",
  6: "neutral",
};

/** Default `Usage` -> split: PublicTest is the usual validation set, PrivateTest the test set. */
export const FER2013_USAGE_SPLITS: Readonly<Record<string, string>> = {
  Training: "train",
  PublicTest: "val",
  PrivateTest: "test",
};

export const FER2013_SIDE = 48;
const PIXELS = FER2013_SIDE * FER2013_SIDE;
const COLUMNS = ["emotion", "pixels", "Usage"] as const;

/** Parses the space-separated pixel string into bytes, or says what is wrong with it. */
export function parsePixels(text: string): Uint8Array | string {
  const pixels = new Uint8Array(PIXELS);
  let count = 0;
  let value = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    if (c >= 0x30 && c <= 0x39) {
      value = (value < 0 ? 0 : value * 10) + (c - 0x30);
      if (value > 255) return `pixel ${count + 1} is over 255`;
    } else if (c === 0x20 || c === 0x09) {
      if (value >= 0) {
        if (count === PIXELS) return `expected ${PIXELS} pixel values (48x48), got more`;
        pixels[count++] = value;
        value = -1;
      }
    } else {
      return `pixel ${count + 1}: unexpected character ${JSON.stringify(text[i])}`;
    }
  }
  if (count !== PIXELS) return `expected ${PIXELS} pixel values (48x48), got ${count}`;
  return pixels;
}

/**
 * fer2013.csv -> one record per row, each image written as a 48x48 grayscale PNG at
 * `<split>/<id>.png`. Id: `fer2013-<split>-<row>`, row = 1-based data row (header excluded),
 * zero-padded to 6 digits. `--split` keeps one split; rows of other splits are dropped (counted).
 */
async function* convertFer2013(options: ConvertOptions): AsyncGenerator<Outcome> {
  const usageMap = options.usageMap ?? FER2013_USAGE_SPLITS;
  const delimiter = options.delimiter ?? ",";
  const sourceFile = basename(options.input);
  let columns: Map<string, number> | undefined;
  let row = 0;
  for await (const item of readCsvRows(options.input, { delimiter })) {
    if (!columns) {
      if (item.kind === "bad") throw invalidInput(`does not look like fer2013.csv: ${item.problem.message}`, item.problem);
      columns = headerColumns({ file: item.file, line: item.line, fields: item.fields, required: COLUMNS, delimiter, format: "fer2013.csv (emotion,pixels,Usage)" });
      continue;
    }
    row++;
    if (item.kind === "bad") {
      yield { kind: "rejected", problem: item.problem, raw: item.text };
      continue;
    }
    const where = { file: item.file, line: item.line };
    if (item.fields.length !== columns.size) {
      yield {
        kind: "rejected",
        problem: { ...where, message: `expected ${columns.size} columns, got ${item.fields.length}: "${excerpt(item.text)}"` },
        raw: item.text,
      };
      continue;
    }
    const code = item.fields[columns.get("emotion")!].trim();
    const label = /^\d+$/.test(code) ? FER2013_LABELS[Number(code)] : undefined;
    if (!label) {
      yield { kind: "rejected", problem: { ...where, field: "emotion", message: `unknown emotion id "${code}" (expected 0..6)` }, raw: item.text };
      continue;
    }
    const usage = item.fields[columns.get("Usage")!].trim();
    const split = usageMap[usage];
    if (!split) {
      const known = Object.keys(usageMap).join(", ");
      yield { kind: "rejected", problem: { ...where, field: "Usage", message: `unknown Usage "${usage}" (expected ${known}; see --usage-map)` }, raw: item.text };
      continue;
    }
    if (options.split !== undefined && split !== options.split) {
      yield { kind: "dropped", reason: `split ${split} (not --split ${options.split})` };
      continue;
    }
    const pixels = parsePixels(item.fields[columns.get("pixels")!]);
    if (typeof pixels === "string") {
      yield { kind: "rejected", problem: { ...where, field: "pixels", message: pixels }, raw: item.text };
      continue;
    }
    const id = `fer2013-${split}-${String(row).padStart(6, "0")}`;
    const image = `${split}/${id}.png`;
    yield {
      kind: "record",
      sample: {
        id,
        dataset: "fer2013",
        image,
        question: options.question ?? EMOTION_QUESTION,
        AUs: [],
        labels: [label],
        meta_info: { source_file: sourceFile, line: item.line, row, split, usage, emotion_id: Number(code) },
      },
      image: { kind: "png", target: image, width: FER2013_SIDE, height: FER2013_SIDE, pixels },
      where,
    };
  }
  if (!columns) throw invalidInput("does not look like fer2013.csv: the file is empty", { file: options.input });
}

export const fer2013: Converter = {
  name: "fer2013",
  title: "FER2013 (fer2013.csv: emotion,pixels,Usage)",
  accepts: ["split", "delimiter", "question", "usageMap"],
  convert: convertFer2013,
};
