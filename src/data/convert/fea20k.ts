import { open, readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { readJsonl } from "../jsonl.js";
import { SampleSchema, type Sample } from "../../schema/sample.js";
import { canonicalAuToken } from "../../taxonomy/action-units.js";
import { canonicalEmotion } from "../../taxonomy/emotions.js";
import { invalidInput, type Problem } from "../../util/errors.js";
import { resolveInside } from "../images.js";
import type { Converter, ConvertOptions, Outcome } from "./types.js";

/** train / test from a file name such as `FEA-20K_train.jsonl`; otherwise `--split` is needed. */
export function feaSplitOf(file: string): string | undefined {
  const name = basename(file).toLowerCase();
  const found = ["train", "test", "val"].filter((s) => new RegExp(`(^|[^a-z])${s}`).test(name));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * FEA-20K annotations (records already in the Facial-R1 format, published without images):
 * joins each record's `image` (relative to its source dataset's image folder) to the user's
 * folder for that dataset (`--image-dir rafdb=DIR`, or one `--images DIR` for all), links it to
 * `<images-out>/<dataset>/<image>` and rewrites `image` accordingly. Records whose image is
 * missing are rejected and listed in the rejects file. Labels are mapped to the unified nouns
 * ("Sadness" -> sadness) and AU tokens to `AU<n>`; ids are kept as published.
 */
async function* convertFea20k(options: ConvertOptions): AsyncGenerator<Outcome> {
  const split = options.split ?? feaSplitOf(options.input);
  if (!split) throw invalidInput("cannot tell train from test by the file name: pass --split", { file: options.input });
  const normalize = options.normalizeLabels ?? true;
  const sourceFile = basename(options.input);
  let first = true;
  for await (const item of readRecords(options.input)) {
    if (item.kind === "unreadable") {
      if (first) throw invalidInput(`does not look like FEA-20K annotations (JSON lines): ${item.problem.message}`, item.problem);
      yield { kind: "rejected", problem: item.problem, raw: item.text };
      continue;
    }
    first = false;
    const where = { file: item.file, line: item.line };
    const checked = SampleSchema.safeParse(item.value);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      yield { kind: "rejected", problem: { ...where, field: issue.path.join(".") || undefined, message: issue.message }, raw: item.text };
      continue;
    }
    const record = checked.data;
    const problem = (field: string, message: string): Outcome => ({ kind: "rejected", problem: { ...where, field, message: `${record.id}: ${message}` }, raw: item.text });
    if (typeof record.image !== "string") {
      yield problem("image", "records with several images are not supported");
      continue;
    }
    const folder = options.imageDirs?.[record.dataset] ?? options.images;
    if (!folder) {
      yield problem("dataset", `no image folder for dataset "${record.dataset}" (pass --image-dir ${record.dataset}=DIR or --images DIR)`);
      continue;
    }
    let source: string;
    try {
      source = resolveInside(folder, record.image);
    } catch (err) {
      yield problem("image", `"${record.image}": ${(err as Error).message}`);
      continue;
    }
    const aus: string[] = [];
    const badAu = record.AUs.find((token) => !canonicalAuToken(token));
    if (badAu !== undefined) {
      yield problem("AUs", `"${badAu}" is not an AU token`);
      continue;
    }
    for (const token of record.AUs) {
      const canonical = canonicalAuToken(token)!;
      if (!aus.includes(canonical)) aus.push(canonical);
    }
    let labels = record.labels;
    if (normalize) {
      const unknown = labels.find((label) => !canonicalEmotion(label));
      if (unknown !== undefined) {
        yield problem("labels", `"${unknown}" is not one of the unified labels or their synonyms (pass --keep-labels to keep labels as published)`);
        continue;
      }
      labels = labels.map((label) => canonicalEmotion(label)!);
    }
    const image = `${record.dataset}/${record.image}`;
    const sample: Sample = {
      ...record,
      image,
      AUs: aus,
      labels,
      meta_info: { ...(record.meta_info ?? {}), source_file: sourceFile, line: item.line, split, source_image: record.image },
    };
    yield { kind: "record", sample, image: { kind: "link", source, target: image }, where };
  }
  if (first) throw invalidInput("does not look like FEA-20K annotations: the file is empty", { file: options.input });
}

type RecordItem =
  | { kind: "value"; file: string; line: number; value: unknown; text: string }
  | { kind: "unreadable"; file: string; line: number; problem: Problem; text?: string };

/** JSON lines, streamed; a file holding one JSON array is read whole (the published files are small). */
async function* readRecords(file: string): AsyncGenerator<RecordItem> {
  if (!(await startsWithBracket(file))) {
    yield* readJsonl(file);
    return;
  }
  let values: unknown;
  try {
    values = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw invalidInput(`not valid JSON: ${(err as Error).message}`, { file });
  }
  if (!Array.isArray(values)) throw invalidInput("expected a JSON array of records or JSON lines", { file });
  let index = 0;
  for (const value of values) yield { kind: "value", file, line: ++index, value, text: JSON.stringify(value) };
}

async function startsWithBracket(file: string): Promise<boolean> {
  // A pipe (`--input <(zcat x.gz)`) can be read once: a peek would take its first bytes (or,
  // closing early, break its writer), so it is not opened here and is read as JSON lines.
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false; // readJsonl reports a missing file or a folder
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64), 0, 64, 0);
    return buffer.subarray(0, bytesRead).toString("utf8").replace(/^\uFEFF/, "").trimStart().startsWith("[");
  } finally {
    await handle.close();
  }
}

export const fea20k: Converter = {
  name: "fea20k",
  title: "FEA-20K annotations (JSON lines in the Facial-R1 format, images joined from each source dataset)",
  accepts: ["images", "imageDirs", "split", "normalizeLabels"],
  convert: convertFea20k,
};
