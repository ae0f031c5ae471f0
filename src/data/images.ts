import { statfsSync } from "node:fs";
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

/**
 * File systems where a check waits on the network (statfs f_type): NFS, Lustre, GPFS, CephFS,
 * CIFS, SMB2, BeeGFS, FUSE (sshfs, object-store mounts), 9p. Checks there go several at a time
 * to worker threads; on local or cached files a check takes a few tens of microseconds, less
 * than handing it to another thread costs.
 */
const NETWORK_FILE_SYSTEMS: ReadonlySet<number> = new Set([0x6969, 0x0bd00bd0, 0x47504653, 0x00c36400, 0xff534d42, 0xfe534d42, 0x19830326, 0x65735546, 0x01021997]);

function onNetworkStorage(root: string): boolean {
  try {
    return NETWORK_FILE_SYSTEMS.has(statfsSync(root).type);
  } catch {
    return false;
  }
}

/**
 * Checks the images of one folder and keeps a running summary (counts per format and per
 * problem, dimension ranges). Each distinct file (by its path inside the folder, `.` and `..`
 * resolved) is read once per checker; every reference to it is answered from that one check
 * and counted on its own. Files are checked on the calling thread, or with `threads` (by
 * default on network file systems) on worker threads (`imageCheckPool`), unless
 * `concurrency` is 1.
 */
export class ImageChecker {
  private readonly root: string;
  private readonly folder: ImageFolder;
  private readonly threads: boolean;
  private readonly outcomes = new Map<string, ImageOutcome | Promise<ImageOutcome>>();
  private distinct = 0;
  private readonly totals: Omit<ImageSummary, "width" | "height"> = { checked: 0, ok: 0, failed: 0, problems: {}, formats: {} };
  private readonly sizes = { minWidth: Infinity, maxWidth: 0, minHeight: Infinity, maxHeight: 0 };

  constructor(params: { root: string; concurrency?: number; threads?: boolean }) {
    this.root = params.root;
    this.folder = new ImageFolder(params.root);
    this.threads = (params.concurrency ?? 16) > 1 && (params.threads ?? threadsFromEnv() ?? onNetworkStorage(params.root));
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
    const { minWidth, maxWidth, minHeight, maxHeight } = this.sizes;
    const sizes = this.totals.ok > 0 ? { width: { min: minWidth, max: maxWidth }, height: { min: minHeight, max: maxHeight } } : {};
    return { ...structuredClone(this.totals), ...sizes };
  }

  private start(key: string): ImageOutcome | Promise<ImageOutcome> {
    this.distinct++;
    const pool = this.threads ? imageCheckPool() : undefined;
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
      const s = this.sizes;
      if (outcome.width < s.minWidth) s.minWidth = outcome.width;
      if (outcome.width > s.maxWidth) s.maxWidth = outcome.width;
      if (outcome.height < s.minHeight) s.minHeight = outcome.height;
      if (outcome.height > s.maxHeight) s.maxHeight = outcome.height;
      return { ok: true, image, info: outcome };
    }
    t.failed++;
    t.problems[outcome.kind] = (t.problems[outcome.kind] ?? 0) + 1;
    return { ok: false, image, error: new ImageError(outcome.kind, outcome.message, outcome.file ?? image) };
  }
}

/** FACIAL_R1_IMAGE_THREADS=1 or 0: checks on worker threads, or not, wherever the folder lies (for tests). */
function threadsFromEnv(): boolean | undefined {
  const value = process.env.FACIAL_R1_IMAGE_THREADS;
  return value === "1" ? true : value === "0" ? false : undefined;
}
