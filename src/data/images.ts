import { open, realpath } from "node:fs/promises";
import { FacialR1Error } from "../util/errors.js";
import { imageCheckPool } from "./image-check-pool.js";
import { ImageFolder, isImageInfo, outcomeOf, type ImageOutcome } from "./image-folder.js";
import { ImageError, type ImageFormat, type ImageInfo, type ImageProblemKind } from "./image-format.js";

export { ImageError, readImageInfo, readImageInfoSync, type ImageFormat, type ImageInfo, type ImageProblemKind } from "./image-format.js";
export { resolveInside, resolveInsideReal } from "./image-folder.js";

export type ImageCheck = { ok: true; image: string; info: ImageInfo } | { ok: false; image: string; error: ImageError };

export interface ImageSummary {
  checked: number;
  ok: number;
  failed: number;
  problems: Partial<Record<ImageProblemKind, number>>;
  formats: Partial<Record<ImageFormat, number>>;
  width?: { min: number; max: number };
  height?: { min: number; max: number };
}

/** Distinct files checked on the calling thread before the checks move to worker threads. */
const INLINE_FILES = 256;

/**
 * Checks the images of one folder and keeps a running summary (counts per format and per
 * problem, dimension ranges). Each distinct file (by its path inside the folder, `.` and `..`
 * resolved) is read once per checker; every reference to it is answered from that one check
 * and counted on its own. The first files are checked on the calling thread; past
 * `inlineFiles` of them, on worker threads (`imageCheckPool`) unless `concurrency` is 1.
 */
export class ImageChecker {
  private readonly root: string;
  private readonly folder: ImageFolder;
  private readonly threads: boolean;
  private readonly inlineFiles: number;
  private readonly outcomes = new Map<string, ImageOutcome | Promise<ImageOutcome>>();
  private distinct = 0;
  private readonly totals: ImageSummary = { checked: 0, ok: 0, failed: 0, problems: {}, formats: {} };

  constructor(params: { root: string; concurrency?: number; inlineFiles?: number }) {
    this.root = params.root;
    this.folder = new ImageFolder(params.root);
    this.threads = (params.concurrency ?? 16) > 1;
    this.inlineFiles = params.inlineFiles ?? inlineFilesFromEnv() ?? INLINE_FILES;
  }

  /** Throws invalid input when the root is not a readable directory. */
  async assertRoot(): Promise<void> {
    let real: string;
    try {
      real = await realpath(this.root);
    } catch {
      throw new FacialR1Error("invalid_input", "image folder not found", { file: this.root });
    }
    const probe = await open(real, "r").catch(() => undefined);
    const isDir = probe ? (await probe.stat()).isDirectory() : false;
    await probe?.close();
    if (!isDir) throw new FacialR1Error("invalid_input", "image folder is not a directory", { file: this.root });
  }

  /**
   * The check of one reference: at once when its file was checked before (or is checked
   * here and now), else a promise. Every call counts in the summary.
   */
  check(image: string): ImageCheck | Promise<ImageCheck> {
    let key: string;
    try {
      key = this.folder.key(image);
    } catch (err) {
      return this.answer(image, outcomeOf(err, image));
    }
    const known = this.outcomes.get(key) ?? this.start(key);
    return known instanceof Promise ? known.then((outcome) => this.answer(image, outcome)) : this.answer(image, known);
  }

  /** Files read so far: references to one file share its check. */
  get filesRead(): number {
    return this.distinct;
  }

  summary(): ImageSummary {
    return structuredClone(this.totals);
  }

  private start(key: string): ImageOutcome | Promise<ImageOutcome> {
    this.distinct++;
    const pool = this.threads && this.distinct > this.inlineFiles ? imageCheckPool() : undefined;
    if (!pool) {
      const outcome = this.folder.inspect(key);
      this.outcomes.set(key, outcome);
      return outcome;
    }
    const pending = pool.check(this.folder.base, key).then((outcome) => {
      this.outcomes.set(key, outcome);
      return outcome;
    });
    this.outcomes.set(key, pending);
    return pending;
  }

  private answer(image: string, outcome: ImageOutcome): ImageCheck {
    const t = this.totals;
    t.checked++;
    if (isImageInfo(outcome)) {
      t.ok++;
      t.formats[outcome.format] = (t.formats[outcome.format] ?? 0) + 1;
      t.width = t.width ? { min: Math.min(t.width.min, outcome.width), max: Math.max(t.width.max, outcome.width) } : { min: outcome.width, max: outcome.width };
      t.height = t.height ? { min: Math.min(t.height.min, outcome.height), max: Math.max(t.height.max, outcome.height) } : { min: outcome.height, max: outcome.height };
      return { ok: true, image, info: outcome };
    }
    t.failed++;
    t.problems[outcome.kind] = (t.problems[outcome.kind] ?? 0) + 1;
    return { ok: false, image, error: new ImageError(outcome.kind, outcome.message, outcome.file ?? image) };
  }
}

/** FACIAL_R1_IMAGE_INLINE_FILES: how many files a checker reads itself (tests of the worker path set 0). */
function inlineFilesFromEnv(): number | undefined {
  const value = process.env.FACIAL_R1_IMAGE_INLINE_FILES;
  const n = value === undefined || value === "" ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
