import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { auToken } from "../../taxonomy/action-units.js";
import { invalidInput, type Problem } from "../../util/errors.js";
import { excerpt, parseCsvLine } from "./csv.js";
import { checkTemplate, fillTemplate } from "./image-template.js";
import { readListFile } from "./list-file.js";
import { AU_QUESTION, type Converter, type ConvertOptions, type Outcome } from "./types.js";

export const DISFA_THRESHOLD = 2;
export const DISFA_IMAGE_TEMPLATE = "{subject}/{frame}.jpg";
const AU_FILE = /^(SN\d+)_au(\d+)\.txt$/i;
const SUBJECT_DIR = /^SN\d+$/i;

interface FrameEntry {
  values: Map<number, number>;
  problems: Problem[];
}

/**
 * DISFA `ActionUnit_Labels/SN001/SN001_au1.txt` (lines `frame,intensity`, intensity 0..5):
 * one record per subject and selected frame; an AU is present when its intensity is at least
 * `--threshold` (default 2). `--every N` keeps frames with (frame - first frame) % N == 0, the
 * rest are dropped (counted). Id: `disfa-<subject>-<frame, 5 digits>`. The subject id is kept
 * in meta_info for subject-exclusive folds; DISFA has no official split (`--split`, default all).
 */
async function* convertDisfa(options: ConvertOptions): AsyncGenerator<Outcome> {
  const threshold = options.threshold ?? DISFA_THRESHOLD;
  const every = options.every ?? 1;
  const template = options.imageTemplate ?? DISFA_IMAGE_TEMPLATE;
  checkTemplate(template, ["subject", "frame", "frame0"]);
  const split = options.split ?? "all";
  const subjects = await subjectFolders(options.input);
  for (const subject of subjects) {
    const folder = join(options.input, subject);
    const auFiles = (await readdir(folder))
      .map((name) => ({ name, match: AU_FILE.exec(name) }))
      .filter((f) => f.match && f.match[1].toUpperCase() === subject.toUpperCase())
      .map((f) => ({ name: f.name, au: Number(f.match![2]) }))
      .sort((a, b) => a.au - b.au);
    if (auFiles.length === 0) throw invalidInput(`does not look like DISFA: no ${subject}_au<n>.txt files`, { file: folder });
    const wanted = options.aus ? auFiles.filter((f) => options.aus!.includes(f.au)) : auFiles;
    const missingAus = (options.aus ?? []).filter((au) => !auFiles.some((f) => f.au === au));
    if (missingAus.length > 0) throw invalidInput(`--aus ${missingAus.join(",")}: no ${subject}_au<n>.txt file for them`, { file: folder });

    const frames = new Map<number, FrameEntry>();
    const entry = (frame: number) => {
      let e = frames.get(frame);
      if (!e) frames.set(frame, (e = { values: new Map(), problems: [] }));
      return e;
    };
    for (const { name, au } of wanted) {
      const file = join(folder, name);
      for await (const item of readListFile(file)) {
        if (item.kind === "bad") {
          yield { kind: "rejected", problem: item.problem };
          continue;
        }
        const parsed = parseCsvLine(item.text.trim(), options.delimiter ?? ",");
        const fields = parsed.ok ? parsed.fields.map((f) => f.trim()) : [];
        const where = { file, line: item.line };
        if (fields.length !== 2 || !/^\d+$/.test(fields[0])) {
          if (frames.size === 0) {
            throw invalidInput(`does not look like a DISFA AU file (expected "frame,intensity" per line): "${excerpt(item.text)}"`, where);
          }
          yield { kind: "rejected", problem: { ...where, message: `expected "frame,intensity", got "${excerpt(item.text)}"` }, raw: item.text };
          continue;
        }
        const e = entry(Number(fields[0]));
        if (!/^\d$/.test(fields[1]) || Number(fields[1]) > 5) {
          e.problems.push({ ...where, field: auToken(au), message: `intensity "${fields[1]}" is not an integer 0..5` });
        } else if (e.values.has(au)) {
          e.problems.push({ ...where, field: auToken(au), message: `frame ${fields[0]} appears twice` });
        } else {
          e.values.set(au, Number(fields[1]));
        }
      }
    }

    const ordered = [...frames.keys()].sort((a, b) => a - b);
    const first = ordered[0];
    for (const frame of ordered) {
      const e = frames.get(frame)!;
      for (const { name, au } of wanted) {
        if (!e.values.has(au) && !e.problems.some((p) => p.field === auToken(au))) {
          e.problems.push({ file: join(folder, name), field: auToken(au), message: `frame ${frame} is missing (truncated file?)` });
        }
      }
      frames.delete(frame);
      if (e.problems.length > 0) {
        const [head, ...more] = e.problems;
        const suffix = more.length > 0 ? ` (and ${more.length} more problem(s) in this frame)` : "";
        yield { kind: "rejected", problem: { ...head, message: `${subject} frame ${frame}: ${head.message}${suffix}` } };
        continue;
      }
      if ((frame - first) % every !== 0) {
        yield { kind: "dropped", reason: `not selected by --every ${every}` };
        continue;
      }
      const intensity: Record<string, number> = {};
      const present: string[] = [];
      for (const { au } of wanted) {
        const value = e.values.get(au)!;
        intensity[auToken(au)] = value;
        if (value >= threshold) present.push(auToken(au));
      }
      const image = fillTemplate(template, { subject, frame, frame0: frame - 1 });
      yield {
        kind: "record",
        sample: {
          id: `disfa-${subject}-${String(frame).padStart(5, "0")}`,
          dataset: "disfa",
          image,
          question: options.question ?? AU_QUESTION,
          AUs: present,
          labels: [],
          meta_info: { source_file: `${subject}/${subject}_au*.txt`, subject, frame, split, intensity, threshold },
        },
        image: { kind: "link", source: join(options.images!, image), target: image },
        where: { file: folder },
      };
    }
  }
}

/** Subject folders (SN001, ...) of an ActionUnit_Labels folder, or the folder itself when it is one. */
async function subjectFolders(input: string): Promise<string[]> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw invalidInput("no such folder", { file: input });
  if (!info.isDirectory()) throw invalidInput("expected the DISFA ActionUnit_Labels folder (with SN001/SN001_au1.txt ...), got a file", { file: input });
  const entries = await readdir(input, { withFileTypes: true });
  const subjects = entries.filter((e) => e.isDirectory() && SUBJECT_DIR.test(e.name)).map((e) => e.name).sort();
  if (subjects.length === 0) throw invalidInput("does not look like DISFA ActionUnit_Labels: no SN<nnn> subject folders", { file: input });
  return subjects;
}

export const disfa: Converter = {
  name: "disfa",
  title: "DISFA (ActionUnit_Labels/SN001/SN001_au1.txt: frame,intensity)",
  accepts: ["images", "split", "delimiter", "question", "threshold", "every", "aus", "imageTemplate"],
  requires: ["images"],
  convert: convertDisfa,
};
