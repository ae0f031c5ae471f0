import { basename, join } from "node:path";
import type { Emotion } from "../../taxonomy/emotions.js";
import { invalidInput } from "../../util/errors.js";
import { excerpt, headerColumns, readCsvRows } from "./csv.js";
import { stem } from "./list-file.js";
import { EMOTION_QUESTION, type Converter, type ConvertOptions, type FaceBox, type Outcome } from "./types.js";

/** AffectNet expression ids 0..7, kept. */
export const AFFECTNET_LABELS: Readonly<Record<number, Emotion>> = {
  0: "neutral",
  1: "happiness",
  2: "sadness",
  3: "surprise",
  4: "fear",
  5: "disgust",
  6: "anger",
  7: "contempt",
};

/** AffectNet ids 8..10 are not expressions: dropped by rule (counted per reason). */
export const AFFECTNET_DROPPED: Readonly<Record<number, string>> = { 8: "none", 9: "uncertain", 10: "no-face" };

const PATH_COLUMN = "subDirectory_filePath";
const BOX_COLUMNS = ["face_x", "face_y", "face_width", "face_height"] as const;

/** training.csv -> train, validation.csv -> val; anything else needs `--split`. */
export function affectnetSplitOf(file: string): string | undefined {
  const name = basename(file).toLowerCase();
  if (name.startsWith("training")) return "train";
  if (name.startsWith("validation")) return "val";
  return undefined;
}

/**
 * AffectNet training.csv / validation.csv (`subDirectory_filePath,face_x,face_y,face_width,
 * face_height,facial_landmarks,expression,valence,arousal`). Ids 8..10 are dropped; with
 * `--crop` each image is cut to its face box (sharp), otherwise linked. Id:
 * `affectnet-<subdirectory>-<file name without extension>`.
 */
async function* convertAffectnet(options: ConvertOptions): AsyncGenerator<Outcome> {
  const split = options.split ?? affectnetSplitOf(options.input);
  if (!split) throw invalidInput("cannot tell the split from the file name (expected training.csv or validation.csv): pass --split", { file: options.input });
  const delimiter = options.delimiter ?? ",";
  const sourceFile = basename(options.input);
  const required = options.crop ? [PATH_COLUMN, "expression", ...BOX_COLUMNS] : [PATH_COLUMN, "expression"];
  let columns: Map<string, number> | undefined;
  let width = 0;
  for await (const item of readCsvRows(options.input, { delimiter })) {
    if (!columns) {
      if (item.kind === "bad") throw invalidInput(`does not look like an AffectNet CSV: ${item.problem.message}`, item.problem);
      columns = headerColumns({ file: item.file, line: item.line, fields: item.fields, required, delimiter, format: "an AffectNet CSV" });
      width = item.fields.length;
      continue;
    }
    if (item.kind === "bad") {
      yield { kind: "rejected", problem: item.problem, raw: item.text };
      continue;
    }
    const where = { file: item.file, line: item.line };
    if (item.fields.length !== width) {
      yield { kind: "rejected", problem: { ...where, message: `expected ${width} columns, got ${item.fields.length}: "${excerpt(item.text)}"` }, raw: item.text };
      continue;
    }
    const field = (name: string) => item.fields[columns!.get(name)!].trim();
    const code = field("expression");
    const id = /^\d+$/.test(code) ? Number(code) : NaN;
    if (id in AFFECTNET_DROPPED) {
      yield { kind: "dropped", reason: `expression ${id} (${AFFECTNET_DROPPED[id]})` };
      continue;
    }
    const label = AFFECTNET_LABELS[id];
    if (!label) {
      yield { kind: "rejected", problem: { ...where, field: "expression", message: `unknown expression id "${code}" (expected 0..10)` }, raw: item.text };
      continue;
    }
    const path = field(PATH_COLUMN).replace(/\\/g, "/");
    if (path === "") {
      yield { kind: "rejected", problem: { ...where, field: PATH_COLUMN, message: "empty image path" }, raw: item.text };
      continue;
    }
    let box: FaceBox | undefined;
    if (options.crop) {
      const numbers = BOX_COLUMNS.map((c) => Number(field(c)));
      const bad = BOX_COLUMNS.findIndex((c, i) => field(c) === "" || !Number.isFinite(numbers[i]) || (i >= 2 && numbers[i] <= 0));
      if (bad !== -1) {
        yield { kind: "rejected", problem: { ...where, field: BOX_COLUMNS[bad], message: `not a usable face box value: "${field(BOX_COLUMNS[bad])}"` }, raw: item.text };
        continue;
      }
      box = { left: numbers[0], top: numbers[1], width: numbers[2], height: numbers[3] };
    }
    const parts = path.split("/").filter(Boolean);
    const recordId = `affectnet-${[...parts.slice(0, -1), stem(path)].join("-")}`;
    const source = join(options.images!, path);
    yield {
      kind: "record",
      sample: {
        id: recordId,
        dataset: "affectnet",
        image: path,
        question: options.question ?? EMOTION_QUESTION,
        AUs: [],
        labels: [label],
        meta_info: { source_file: sourceFile, line: item.line, split, source_image: path, emotion_id: id, ...(box ? { face_box: box } : {}) },
      },
      image: box ? { kind: "crop", source, target: path, box } : { kind: "link", source, target: path },
      where,
    };
  }
  if (!columns) throw invalidInput("does not look like an AffectNet CSV: the file is empty", { file: options.input });
}

export const affectnet: Converter = {
  name: "affectnet",
  title: "AffectNet (training.csv / validation.csv + Manually_Annotated_Images)",
  accepts: ["images", "split", "delimiter", "question", "crop"],
  requires: ["images"],
  convert: convertAffectnet,
};
