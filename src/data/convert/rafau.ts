import { basename, join } from "node:path";
import { auToken, compareAuTokens } from "../../taxonomy/action-units.js";
import { invalidInput } from "../../util/errors.js";
import { excerpt } from "./csv.js";
import { readListFile, stem, withSuffix } from "./list-file.js";
import { AU_QUESTION, type Converter, type ConvertOptions, type Outcome } from "./types.js";

export const RAFAU_ALIGNED_SUFFIX = "_aligned";
const CODE = /^([LR]?)0*([1-9]\d*)$/i;

/**
 * Parses a RAF-AU code list (`1+2+4+25`, `L12+R14`, `null`). Lateral codes (L = left, R = right)
 * are merged into the AU (`--lateral merge`, default) or left out (`--lateral drop`).
 */
export function parseRafauCodes(text: string, lateral: "merge" | "drop"): { aus: string[]; lateral: string[] } | string {
  if (text.toLowerCase() === "null") return { aus: [], lateral: [] };
  const aus = new Set<string>();
  const sided: string[] = [];
  for (const code of text.split("+")) {
    const match = CODE.exec(code);
    if (!match) return `"${code}" is not an AU code (expected e.g. 12, L12 or R12)`;
    if (match[1]) sided.push(`${match[1].toUpperCase()}${match[2]}`);
    if (!match[1] || lateral === "merge") aus.add(auToken(Number(match[2])));
  }
  return { aus: [...aus].sort(compareAuTokens), lateral: sided };
}

/**
 * RAF-AU `RAFAU_label.txt`: lines `<image name> <codes>`; images from `--images` (the aligned
 * folder, `0001_aligned.jpg`). RAF-AU ships no split (`--split`, default all). Id:
 * `rafau-<name without extension>`.
 */
async function* convertRafau(options: ConvertOptions): AsyncGenerator<Outcome> {
  const suffix = options.alignedSuffix ?? RAFAU_ALIGNED_SUFFIX;
  const lateral = options.lateral ?? "merge";
  const split = options.split ?? "all";
  const sourceFile = basename(options.input);
  let seen = false;
  for await (const item of readListFile(options.input)) {
    if (item.kind === "bad") {
      if (!seen) throw invalidInput(`does not look like a RAF-AU label file: ${item.problem.message}`, item.problem);
      yield { kind: "rejected", problem: item.problem };
      continue;
    }
    const where = { file: item.file, line: item.line };
    const [name, codes, ...rest] = item.fields;
    const parsed = codes === undefined ? "missing AU codes" : parseRafauCodes(codes, lateral);
    if (!seen) {
      seen = true;
      if (typeof parsed === "string") {
        throw invalidInput(`does not look like a RAF-AU label file (expected "<image name> <AU codes joined by +>" per line): "${excerpt(item.text)}"`, where);
      }
    }
    if (rest.length > 0) {
      yield { kind: "rejected", problem: { ...where, message: `expected "<image name> <AU codes>", got "${excerpt(item.text)}"` }, raw: item.text };
      continue;
    }
    if (typeof parsed === "string") {
      yield { kind: "rejected", problem: { ...where, field: "AUs", message: parsed }, raw: item.text };
      continue;
    }
    const image = withSuffix(name, suffix);
    yield {
      kind: "record",
      sample: {
        id: `rafau-${stem(name)}`,
        dataset: "rafau",
        image,
        question: options.question ?? AU_QUESTION,
        AUs: parsed.aus,
        labels: [],
        meta_info: { source_file: sourceFile, line: item.line, split, source_image: name, codes, ...(parsed.lateral.length > 0 ? { lateral: parsed.lateral } : {}) },
      },
      image: { kind: "link", source: join(options.images!, image), target: image },
      where,
    };
  }
  if (!seen) throw invalidInput("does not look like a RAF-AU label file: the file is empty", { file: options.input });
}

export const rafau: Converter = {
  name: "rafau",
  title: "RAF-AU (RAFAU_label.txt + aligned images)",
  accepts: ["images", "split", "question", "alignedSuffix", "lateral"],
  requires: ["images"],
  convert: convertRafau,
};
