import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { auToken } from "../../taxonomy/action-units.js";
import { invalidInput } from "../../util/errors.js";
import { excerpt, readCsvRows } from "./csv.js";
import { checkTemplate, fillTemplate } from "./image-template.js";
import { AU_QUESTION, type Converter, type ConvertOptions, type Outcome } from "./types.js";

export const BP4D_IMAGE_TEMPLATE = "{subject}/{task}/{frame}.jpg";
const SEQUENCE_FILE = /^([FM]\d{3})_(T\d+)\.csv$/i;
/** BP4D's occurrence code for "not coded". */
export const BP4D_UNKNOWN = "9";

/**
 * BP4D AUCoding `F001_T1.csv`: a header row of AU numbers (the first column is the frame), then
 * one row per frame with 0 (absent), 1 (present) or 9 (unknown). Unknown AUs are not absent:
 * they are listed in meta_info.unknown_aus and left out of AUs. Id:
 * `bp4d-<subject>-<task>-<frame, 4 digits>`; subject and task are kept in meta_info. BP4D has no
 * official split (`--split`, default all; folds are subject-exclusive).
 */
async function* convertBp4d(options: ConvertOptions): AsyncGenerator<Outcome> {
  const template = options.imageTemplate ?? BP4D_IMAGE_TEMPLATE;
  checkTemplate(template, ["subject", "task", "frame", "frame0"]);
  const split = options.split ?? "all";
  const delimiter = options.delimiter ?? ",";
  for (const file of await sequenceFiles(options.input)) {
    const [, subject, task] = SEQUENCE_FILE.exec(basename(file))!;
    let aus: number[] | undefined;
    let keep: number[] = [];
    for await (const item of readCsvRows(file, { delimiter })) {
      if (!aus) {
        const fields = item.kind === "row" ? item.fields.map((f) => f.trim()) : [];
        if (fields.length < 2 || !fields.slice(1).every((f) => /^[1-9]\d*$/.test(f))) {
          const text = item.kind === "row" ? item.text : (item.text ?? "");
          throw invalidInput(
            `does not look like a BP4D AUCoding file: the header must be the frame column then AU numbers, got "${excerpt(text)}"${fields.length === 1 && /[;\t]/.test(text) ? " (wrong delimiter? see --delimiter)" : ""}`,
            { file, line: item.line },
          );
        }
        aus = fields.slice(1).map(Number);
        const missing = (options.aus ?? []).filter((au) => !aus!.includes(au));
        if (missing.length > 0) throw invalidInput(`--aus ${missing.join(",")}: no such column in the header`, { file, line: item.line });
        keep = aus.map((_, i) => i).filter((i) => !options.aus || options.aus.includes(aus![i]));
        continue;
      }
      if (item.kind === "bad") {
        yield { kind: "rejected", problem: item.problem, raw: item.text };
        continue;
      }
      const where = { file, line: item.line };
      const fields = item.fields.map((f) => f.trim());
      if (fields.length !== aus.length + 1) {
        yield { kind: "rejected", problem: { ...where, message: `expected ${aus.length + 1} columns, got ${fields.length}: "${excerpt(item.text)}"` }, raw: item.text };
        continue;
      }
      if (!/^\d+$/.test(fields[0])) {
        yield { kind: "rejected", problem: { ...where, field: "frame", message: `frame "${fields[0]}" is not a number` }, raw: item.text };
        continue;
      }
      const frame = Number(fields[0]);
      const bad = keep.find((i) => !["0", "1", BP4D_UNKNOWN].includes(fields[i + 1]));
      if (bad !== undefined) {
        yield { kind: "rejected", problem: { ...where, field: auToken(aus[bad]), message: `value "${fields[bad + 1]}" is not 0, 1 or 9` }, raw: item.text };
        continue;
      }
      const present = keep.filter((i) => fields[i + 1] === "1").map((i) => auToken(aus![i]));
      const unknown = keep.filter((i) => fields[i + 1] === BP4D_UNKNOWN).map((i) => auToken(aus![i]));
      const image = fillTemplate(template, { subject, task, frame, frame0: frame - 1 });
      yield {
        kind: "record",
        sample: {
          id: `bp4d-${subject}-${task}-${String(frame).padStart(4, "0")}`,
          dataset: "bp4d",
          image,
          question: options.question ?? AU_QUESTION,
          AUs: present,
          labels: [],
          meta_info: { source_file: basename(file), line: item.line, subject, task, frame, split, unknown_aus: unknown },
        },
        image: { kind: "link", source: join(options.images!, image), target: image },
        where,
      };
    }
    if (!aus) throw invalidInput("does not look like a BP4D AUCoding file: the file is empty", { file });
  }
}

/** The sequence CSVs (F001_T1.csv ...) of an AUCoding folder, sorted; or the one file given. */
async function sequenceFiles(input: string): Promise<string[]> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw invalidInput("no such file or folder", { file: input });
  if (info.isFile()) {
    if (!SEQUENCE_FILE.test(basename(input))) throw invalidInput("expected a BP4D sequence file named like F001_T1.csv", { file: input });
    return [input];
  }
  const files = (await readdir(input)).filter((name) => SEQUENCE_FILE.test(name)).sort();
  if (files.length === 0) throw invalidInput("does not look like BP4D AUCoding: no <subject>_<task>.csv files (e.g. F001_T1.csv)", { file: input });
  return files.map((name) => join(input, name));
}

export const bp4d: Converter = {
  name: "bp4d",
  title: "BP4D (AUCoding/F001_T1.csv: frame + one 0/1/9 column per AU)",
  accepts: ["images", "split", "delimiter", "question", "aus", "imageTemplate"],
  requires: ["images"],
  convert: convertBp4d,
};
