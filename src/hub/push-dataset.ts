import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, posix, resolve } from "node:path";
import { resolveInside } from "../data/images.js";
import { readJsonl } from "../data/jsonl.js";
import { collectStats } from "../data/stats.js";
import { validateFiles } from "../data/validate.js";
import { formatProblem, invalidInput, type Problem } from "../util/errors.js";
import { likelyLfs } from "./card.js";
import { renderDatasetCard, splitOrder, type DatasetSplitFile } from "./dataset-card.js";
import { imageFolderSplit, indexImageReport } from "./imagefolder.js";
import type { UploadFile } from "./upload.js";

export interface DatasetPushParams {
  repo: string;
  /** JSONL files whose split is read from the file name. */
  files: string[];
  /** Explicit `name=FILE` pairs. */
  splits?: string[];
  imagesDir?: string;
  /**
   * `jsonl` (default): the JSONL files under `data/` and the images under `images/`;
   * `imagefolder`: per split `<split>/metadata.jsonl` next to its images, which the Hub's
   * dataset viewer shows as pictures (needs `imagesDir`).
   */
  layout?: DatasetLayout;
  license?: string;
  allowInvalid?: boolean;
  progress?: boolean;
  /** Warnings and the problems of records pushed with --allow-invalid. */
  onProblem?: (problem: Problem) => void;
}

export const DATASET_LAYOUTS = ["jsonl", "imagefolder"] as const;
export type DatasetLayout = (typeof DATASET_LAYOUTS)[number];

export interface PlannedFile {
  path: string;
  size: number;
  /** The Hub's likely choice; it decides on the real push. */
  lfs: boolean;
  kind: "card" | "data" | "image" | "model";
}

export interface DatasetPushPlan {
  files: UploadFile[];
  listing: PlannedFile[];
  card: string;
  splits: { split: string; file: string; path: string; records: number; invalid: number }[];
  images: number;
  imageBytes: number;
  validation: { read: number; valid: number; rejected: number; warnings: number };
}

/** Problems quoted in the refusal message. */
const QUOTED_PROBLEMS = 5;

/** The split a file name names: train, validation (val, valid, dev) or test. */
export function splitFromFileName(file: string): string | undefined {
  const words = basename(file).toLowerCase().replace(/\.jsonl$/, "").split(/[^a-z0-9]+/);
  if (words.includes("train") || words.includes("training")) return "train";
  if (words.some((w) => ["val", "valid", "validation", "dev"].includes(w))) return "validation";
  if (words.includes("test") || words.includes("testing")) return "test";
  return undefined;
}

function assignSplits(params: DatasetPushParams): { split: string; file: string }[] {
  const out: { split: string; file: string }[] = [];
  for (const file of params.files) {
    const split = splitFromFileName(file);
    if (!split) throw invalidInput("cannot tell the split from the file name (train, val, test); name it with --split NAME=FILE", { file });
    out.push({ split, file });
  }
  for (const pair of params.splits ?? []) {
    const eq = pair.indexOf("=");
    const split = pair.slice(0, eq);
    if (eq <= 0 || eq === pair.length - 1 || !/^\w+$/.test(split)) throw invalidInput(`--split must be NAME=FILE with a NAME of letters, digits or "_", got "${pair}"`);
    out.push({ split, file: pair.slice(eq + 1) });
  }
  if (out.length === 0) throw invalidInput("no JSONL files given");
  const byName = new Map<string, string>();
  for (const { file } of out) {
    const name = basename(file);
    const other = byName.get(name);
    if (other !== undefined && resolve(other) !== resolve(file)) throw invalidInput(`same file name as ${other}; files are pushed as data/<name>`, { file });
    if (other !== undefined) throw invalidInput("given twice", { file });
    byName.set(name, file);
  }
  return out.sort((a, b) => splitOrder(a.split, b.split));
}

/**
 * Everything a dataset push sends, without contacting the Hub: validates the files (and the
 * images they reference), refuses invalid records unless `allowInvalid`, computes the label
 * and AU frequencies, and lists the JSONL files, the referenced images and the dataset card.
 */
export async function planDatasetPush(params: DatasetPushParams): Promise<DatasetPushPlan> {
  const assigned = assignSplits(params);
  const layout = params.layout ?? "jsonl";
  if (layout === "imagefolder") checkImageFolderSplits(params, assigned);
  const files = assigned.map((a) => a.file);
  const problems: Problem[] = [];
  let errorCount = 0;
  const work = await mkdtemp(join(tmpdir(), "facial-r1-hub-"));
  try {
    const imageReportPath = params.imagesDir === undefined ? undefined : join(work, "images.jsonl");
    const report = await validateFiles({
      files,
      imagesDir: params.imagesDir,
      imageReportPath,
      progress: params.progress,
      onProblem: (p) => {
        if (p.severity === "warning") return;
        errorCount++;
        if (problems.length < QUOTED_PROBLEMS) problems.push(p);
        if (params.allowInvalid) params.onProblem?.(p);
      },
    });
    const { total } = report;
    const unreadable = report.files.filter((f) => f.error !== undefined);
    if (unreadable.length > 0) throw invalidInput(unreadable.map((f) => `${f.file}: ${f.error}`).join("; "));
    if (total.valid === 0) throw invalidInput(`none of the ${total.read} records is valid; nothing to push\n${quote(problems, errorCount)}`);
    if (total.rejected > 0 && !params.allowInvalid) {
      const perFile = report.files.filter((f) => f.rejected > 0).map((f) => `${basename(f.file)}: ${f.rejected} of ${f.read}`);
      throw invalidInput(
        `refusing to push: ${total.rejected} of ${total.read} records are invalid (${perFile.join(", ")})\n${quote(problems, errorCount)}\n` +
          "fix them (see `facial-r1 data validate --fix --rejects FILE`) or push them as they are with --allow-invalid",
      );
    }

    const stats = await collectStats(files, { progress: params.progress });
    const splitFiles: DatasetSplitFile[] = assigned.map((a, i) => ({ split: a.split, path: layout === "imagefolder" ? `${a.split}/metadata.jsonl` : `data/${basename(a.file)}`, stats: stats[i] }));

    const upload: UploadFile[] = [];
    const listing: PlannedFile[] = [];
    let imageBytes = 0;
    let images = 0;
    if (layout === "imagefolder") {
      const checked = await indexImageReport(imageReportPath!);
      for (const a of assigned) {
        const split = await imageFolderSplit({ split: a.split, file: a.file, imagesDir: params.imagesDir!, checked: checked.get(a.file) ?? new Map() });
        upload.push(split.metadata);
        listing.push({ path: split.metadata.path, size: split.metadata.size, lfs: likelyLfs(split.metadata.path, split.metadata.size), kind: "data" });
        for (const image of split.images) {
          upload.push(image);
          listing.push({ path: image.path, size: image.size, lfs: likelyLfs(image.path, image.size), kind: "image" });
          imageBytes += image.size;
          images++;
        }
      }
    }
    for (const s of layout === "jsonl" ? splitFiles : []) {
      const file = assigned[splitFiles.indexOf(s)].file;
      const size = (await stat(file)).size;
      upload.push({ path: s.path, size, localPath: file });
      listing.push({ path: s.path, size, lfs: likelyLfs(s.path, size), kind: "data" });
    }

    if (layout === "jsonl" && params.imagesDir !== undefined && imageReportPath !== undefined) {
      for (const image of await referencedImages(imageReportPath)) {
        const path = `images/${image.path}`;
        upload.push({ path, size: image.bytes, localPath: resolveInside(params.imagesDir, image.original) });
        listing.push({ path, size: image.bytes, lfs: likelyLfs(path, image.bytes), kind: "image" });
        imageBytes += image.bytes;
        images++;
      }
    }

    const card = await renderDatasetCard({ repo: params.repo, splits: splitFiles, layout, license: params.license, images, imageBytes, invalidRecords: total.rejected });
    const cardSize = Buffer.byteLength(card);
    upload.unshift({ path: "README.md", size: cardSize, content: card });
    listing.unshift({ path: "README.md", size: cardSize, lfs: false, kind: "card" });
    return {
      files: upload,
      listing,
      card,
      splits: splitFiles.map((s, i) => ({ split: s.split, file: assigned[i].file, path: s.path, records: s.stats.records, invalid: s.stats.skipped })),
      images,
      imageBytes,
      validation: { read: total.read, valid: total.valid, rejected: total.rejected, warnings: total.warnings },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The image-folder layout needs the images, and one file per split (its folder holds one metadata.jsonl). */
function checkImageFolderSplits(params: DatasetPushParams, assigned: { split: string; file: string }[]): void {
  if (params.imagesDir === undefined) throw invalidInput("--layout imagefolder needs --images: the images are part of that layout");
  const seen = new Map<string, string>();
  for (const a of assigned) {
    const other = seen.get(a.split);
    if (other !== undefined) throw invalidInput(`--layout imagefolder takes one file per split; ${other} and ${a.file} are both ${a.split} (merge them first: facial-r1 data merge)`);
    seen.set(a.split, a.file);
  }
}

function quote(problems: Problem[], count: number): string {
  const lines = problems.map((p) => `  ${formatProblem(p)}`);
  if (count > problems.length) lines.push(`  ... and ${count - problems.length} more problems`);
  return lines.join("\n");
}

/** Distinct images of the valid records, in first-use order, with their repository paths. */
async function referencedImages(reportPath: string): Promise<{ path: string; original: string; bytes: number }[]> {
  const seen = new Map<string, { path: string; original: string; bytes: number }>();
  try {
    await stat(reportPath);
  } catch {
    return [];
  }
  for await (const item of readJsonl(reportPath)) {
    if (item.kind !== "value") continue;
    const { image, bytes } = item.value as { image: string; bytes: number };
    const path = posix.normalize(image.replace(/\\/g, "/")).replace(/^(\.\/)+/, "");
    if (!seen.has(path)) seen.set(path, { path, original: image, bytes });
  }
  return [...seen.values()];
}
