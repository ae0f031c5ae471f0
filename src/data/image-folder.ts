import { constants, openSync, realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative as relativePath, resolve, sep } from "node:path";
import { fileError, ImageError, inspectOpenFile, OPEN_FLAGS, readImageInfoSync, type ImageInfo, type ImageProblemKind } from "./image-format.js";

/**
 * The absolute path of `relative` inside `root`, by the path text alone: absolute paths
 * and `..` escapes throw ImageError("outside"). See `resolveInsideReal` for symlinks.
 */
export function resolveInside(root: string, relative: string): string {
  if (relative.length === 0 || relative.includes("\0")) throw new ImageError("outside", "empty or invalid path", relative);
  if (isAbsolute(relative)) throw new ImageError("outside", "absolute path; image paths must be relative to the image folder", relative);
  const base = resolve(root);
  const full = resolve(base, relative);
  if (!isWithin(base, full)) throw new ImageError("outside", "path leaves the image folder (..)", relative);
  return full;
}

export function isWithin(base: string, full: string): boolean {
  const rel = relativePath(base, full);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Like `resolveInside`, then follows symbolic links: the real path must stay inside the
 * real root. Throws ImageError("missing") when the file (or a link's target) does not exist.
 */
export async function resolveInsideReal(root: string, relative: string, realRoot?: string): Promise<string> {
  const full = resolveInside(root, relative);
  const base = realRoot ?? (await realpath(root));
  let real: string;
  try {
    real = await realpath(full);
  } catch (err) {
    throw fileError(err, relative);
  }
  if (!isWithin(base, real)) throw new ImageError("outside", "symbolic link leads outside the image folder", relative);
  return real;
}

/** The result of checking one file: its header facts, or why it failed. */
export type ImageOutcome = ImageInfo | { kind: ImageProblemKind; message: string; file?: string };

export function isImageInfo(outcome: ImageOutcome): outcome is ImageInfo {
  return "format" in outcome;
}

export function outcomeOf(err: unknown, fallbackFile: string): ImageOutcome {
  if (err instanceof ImageError) return { kind: err.kind, message: err.message, file: err.location.file };
  return { kind: "unreadable", message: `cannot check image: ${(err as Error).message}`, file: fallbackFile };
}

/** A path with no empty, `.` or `..` segment and no leading `/`: inside the folder as written. */
const NOT_PLAIN = /(^|\/)\.{0,2}(\/|$)/;

/**
 * One image folder, checked on the calling thread. A reference's key is its path relative to
 * the folder after resolving `.` and `..` by the text, so that every spelling of one file has
 * one key. A check follows symbolic links as `resolveInsideReal` does, but with one `realpath`
 * per directory instead of per file: a file opened without following a final link lies where
 * its directory's real path says. Anything unusual (a link, an error) takes the full sequence,
 * which gives every error exactly as before.
 */
export class ImageFolder {
  readonly base: string;
  private realBase: { path: string } | { error: unknown } | undefined;
  private readonly realDirs = new Map<string, string | null>();

  constructor(readonly root: string) {
    this.base = resolve(root);
  }

  /** Throws ImageError("outside") for empty, absolute and escaping paths. */
  key(relative: string): string {
    if (relative.length > 0 && sep === "/" && !NOT_PLAIN.test(relative) && !relative.includes("\0")) return relative;
    return relativePath(this.base, resolveInside(this.base, relative)).split(sep).join("/");
  }

  /** Checks the file of `key`; never throws. */
  inspect(key: string): ImageOutcome {
    const realBase = this.resolvedBase();
    if ("error" in realBase) return outcomeOf(realBase.error, key);
    const full = key === "" ? this.base : join(this.base, key);
    try {
      return this.inspectPlain(full, realBase.path) ?? this.inspectFollowing(full, key, realBase.path);
    } catch (err) {
      return outcomeOf(err, key);
    }
  }

  /** A regular path whose directory resolves inside the folder: one open, no realpath. */
  private inspectPlain(full: string, realBase: string): ImageInfo | undefined {
    const realDir = this.realDir(dirname(full));
    if (realDir === null) return undefined;
    const real = join(realDir, basename(full));
    if (!isWithin(realBase, real)) return undefined;
    let fd: number;
    try {
      fd = openSync(full, OPEN_FLAGS | constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    return inspectOpenFile(fd, real);
  }

  /** The sequence of `resolveInsideReal` and `readImageInfo`. */
  private inspectFollowing(full: string, key: string, realBase: string): ImageInfo {
    let real: string;
    try {
      real = realpathSync.native(full);
    } catch (err) {
      throw fileError(err, key);
    }
    if (!isWithin(realBase, real)) throw new ImageError("outside", "symbolic link leads outside the image folder", key);
    return readImageInfoSync(real);
  }

  private realDir(dir: string): string | null {
    let real = this.realDirs.get(dir);
    if (real === undefined) {
      try {
        real = realpathSync.native(dir);
      } catch {
        real = null;
      }
      this.realDirs.set(dir, real);
    }
    return real;
  }

  private resolvedBase(): { path: string } | { error: unknown } {
    if (this.realBase === undefined) {
      try {
        this.realBase = { path: realpathSync.native(this.base) };
      } catch (error) {
        this.realBase = { error };
      }
    }
    return this.realBase;
  }
}
