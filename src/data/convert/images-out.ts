import { copyFile, link, lstat, readlink, stat, symlink, unlink } from "node:fs/promises";
import { makeDirectory } from "../../util/fs.js";
import { dirname, resolve } from "node:path";
import { errorMessage } from "../../util/errors.js";
import { ImageError, readImageInfo, resolveInside } from "../images.js";
import { PngWriterPool } from "./png-pool.js";
import type { FaceBox, ImageJob, LinkMode } from "./types.js";

/** Why an image job failed, phrased for a rejects file; `missing` marks a source that does not exist. */
export class ImageJobError extends Error {
  constructor(
    message: string,
    readonly missing = false,
  ) {
    super(message);
  }
}

/** Puts images into the output folder: PNG encoding, links or copies, face crops. */
export class ImageSink {
  private readonly madeDirs = new Set<string>();
  private pngPool: PngWriterPool | undefined;
  /** The last job placing each target: records that share an image wait for each other. */
  private readonly placing = new Map<string, Promise<void>>();

  constructor(
    readonly root: string,
    private readonly linkMode: LinkMode,
  ) {}

  /**
   * Places one image. Jobs for one target run one after the other (the second then finds the
   * first's file in place), never at once: two links or writes of one path would collide.
   */
  async run(job: ImageJob): Promise<void> {
    const target = insideOrThrow(this.root, job.target);
    const before = this.placing.get(target);
    const placed = (before ? before.catch(() => undefined) : Promise.resolve()).then(() => this.place(job, target));
    this.placing.set(target, placed);
    try {
      await placed;
    } finally {
      if (this.placing.get(target) === placed) this.placing.delete(target);
    }
  }

  private async place(job: ImageJob, target: string): Promise<void> {
    await this.ensureDir(dirname(target));
    if (job.kind === "png") {
      this.pngPool ??= new PngWriterPool();
      await this.pngPool.write({ path: target, width: job.width, height: job.height, pixels: job.pixels });
      return;
    }
    const source = resolve(job.source);
    await assertSourceFile(source);
    if (job.kind === "crop") await cropTo(source, target, job.box);
    else if (this.linkMode === "copy") await copyFile(source, target);
    else if (this.linkMode === "symlink") await symlinkTo(source, target);
    else await hardlinkTo(source, target);
  }

  /** Stops the PNG workers, if any were started. */
  async close(): Promise<void> {
    await this.pngPool?.close();
    this.pngPool = undefined;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await makeDirectory(dir);
    this.madeDirs.add(dir);
  }
}

function insideOrThrow(root: string, path: string): string {
  try {
    return resolveInside(root, path);
  } catch (err) {
    throw new ImageJobError(`image path "${path}": ${errorMessage(err)}`);
  }
}

/** The source must exist and be a well-formed image (header and end checked, pixels not decoded). */
async function assertSourceFile(source: string): Promise<void> {
  try {
    await readImageInfo(source);
  } catch (err) {
    if (err instanceof ImageError && err.kind === "missing") throw new ImageJobError(`image not found: ${source}`, true);
    throw new ImageJobError(`${source}: ${errorMessage(err)}`);
  }
}

/**
 * Hard-links `target` to `source` (a real file inside the output folder, no extra space), or
 * copies it when the two are on different filesystems. Re-running a conversion is a no-op.
 */
async function hardlinkTo(source: string, target: string): Promise<void> {
  const [from, existing] = await Promise.all([stat(source), lstat(target).catch(() => undefined)]);
  if (existing && existing.ino === from.ino && existing.dev === from.dev) return;
  if (existing) await unlink(target);
  try {
    await link(source, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EXDEV" && code !== "EPERM") throw err;
    await copyFile(source, target);
  }
}

/** Symlinks `target` to `source`, replacing an older link; re-running a conversion is a no-op. */
async function symlinkTo(source: string, target: string): Promise<void> {
  try {
    const existing = await lstat(target);
    if (existing.isSymbolicLink() && (await readlink(target)) === source) return;
    await unlink(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await symlink(source, target);
}

type Sharp = (typeof import("sharp"))["default"];
let sharpModule: Promise<Sharp> | undefined;

async function cropTo(source: string, target: string, box: FaceBox): Promise<void> {
  sharpModule ??= import("sharp").then((m) => m.default);
  const sharp = await sharpModule;
  let meta;
  try {
    meta = await sharp(source).metadata();
  } catch (err) {
    throw new ImageJobError(`cannot decode image ${source}: ${errorMessage(err)}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const left = Math.max(0, Math.floor(box.left));
  const top = Math.max(0, Math.floor(box.top));
  const right = Math.min(width, Math.ceil(box.left + box.width));
  const bottom = Math.min(height, Math.ceil(box.top + box.height));
  if (right <= left || bottom <= top) {
    throw new ImageJobError(`face box ${box.left},${box.top} ${box.width}x${box.height} lies outside the ${width}x${height} image ${source}`);
  }
  await sharp(source).extract({ left, top, width: right - left, height: bottom - top }).toFile(target);
}
