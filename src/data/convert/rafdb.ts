import { basename, join } from "node:path";
import type { Emotion } from "../../taxonomy/emotions.js";
import { invalidInput } from "../../util/errors.js";
import { excerpt } from "./csv.js";
import { readListFile, stem, withSuffix } from "./list-file.js";
import { EMOTION_QUESTION, type Converter, type ConvertOptions, type Outcome } from "./types.js";

/** RAF-DB basic expression ids (EmoLabel/list_patition_label.txt). */
export const RAFDB_LABELS: Readonly<Record<number, Emotion>> = {
  1: "surprise",
  2: "fear",
  3: "disgust",
  4: "happiness",
  5: "sadness",
  6: "anger",
  7: "neutral",
};

export const RAFDB_ALIGNED_SUFFIX = "_aligned";

/**
 * RAF-DB basic: list lines `<image name> <id 1..7>`; the split is the name's prefix (`train_`,
 * `test_`). Images come from `--images` (the aligned folder, `train_00001_aligned.jpg`; pass
 * `--aligned-suffix ""` for the original images). Id: `rafdb-<name without extension>`.
 */
async function* convertRafdb(options: ConvertOptions): AsyncGenerator<Outcome> {
  const suffix = options.alignedSuffix ?? RAFDB_ALIGNED_SUFFIX;
  const sourceFile = basename(options.input);
  let seen = false;
  for await (const item of readListFile(options.input)) {
    if (item.kind === "bad") {
      if (!seen) throw invalidInput(`does not look like a RAF-DB list file: ${item.problem.message}`, item.problem);
      yield { kind: "rejected", problem: item.problem };
      continue;
    }
    const where = { file: item.file, line: item.line };
    const [name, code, ...rest] = item.fields;
    if (!seen) {
      seen = true;
      if (code === undefined || !/^\d+$/.test(code)) {
        throw invalidInput(`does not look like a RAF-DB list file (expected "<image name> <id 1..7>" per line): "${excerpt(item.text)}"`, where);
      }
    }
    if (code === undefined || rest.length > 0) {
      yield { kind: "rejected", problem: { ...where, message: `expected "<image name> <id>", got "${excerpt(item.text)}"` }, raw: item.text };
      continue;
    }
    const label = /^\d+$/.test(code) ? RAFDB_LABELS[Number(code)] : undefined;
    if (!label) {
      yield { kind: "rejected", problem: { ...where, field: "label", message: `unknown expression id "${code}" (expected 1..7)` }, raw: item.text };
      continue;
    }
    const split = /^(train|test)_/.exec(name)?.[1];
    if (!split) {
      yield { kind: "rejected", problem: { ...where, field: "image", message: `cannot tell the split of "${name}" (expected a train_ or test_ prefix)` }, raw: item.text };
      continue;
    }
    if (options.split !== undefined && split !== options.split) {
      yield { kind: "dropped", reason: `split ${split} (not --split ${options.split})` };
      continue;
    }
    const image = withSuffix(name, suffix);
    yield {
      kind: "record",
      sample: {
        id: `rafdb-${stem(name)}`,
        dataset: "rafdb",
        image,
        question: options.question ?? EMOTION_QUESTION,
        AUs: [],
        labels: [label],
        meta_info: { source_file: sourceFile, line: item.line, split, source_image: name, emotion_id: Number(code) },
      },
      image: { kind: "link", source: join(options.images!, image), target: image },
      where,
    };
  }
  if (!seen) throw invalidInput("does not look like a RAF-DB list file: the file is empty", { file: options.input });
}

export const rafdb: Converter = {
  name: "rafdb",
  title: "RAF-DB basic (list_patition_label.txt + aligned images)",
  accepts: ["images", "split", "question", "alignedSuffix"],
  requires: ["images"],
  convert: convertRafdb,
};
