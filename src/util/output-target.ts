import { lstat, readlink, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { invalidInput } from "./errors.js";

/**
 * Where a write of `path` lands. `atomic`: a regular file (or none yet), replaced by a
 * temporary sibling renamed over it. Otherwise a character device or FIFO, written straight
 * through (renaming over it would turn `/dev/null` into a regular file).
 */
export interface OutputTarget {
  /** The path after following symbolic links: a link's target is updated, never the link. */
  path: string;
  atomic: boolean;
}

const MAX_LINKS = 40;

export async function outputTarget(path: string): Promise<OutputTarget> {
  const target = await followLinks(path);
  let info;
  try {
    info = await stat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path: target, atomic: true };
    throw err;
  }
  if (info.isFile()) return { path: target, atomic: true };
  if (info.isCharacterDevice() || info.isFIFO()) return { path: target, atomic: false };
  if (info.isDirectory()) throw invalidInput("is a directory, expected a file to write", { file: path });
  const kind = info.isBlockDevice() ? "block device" : "socket";
  throw invalidInput(`is a ${kind}; refusing to write to it (write to a regular file, a FIFO or a character device)`, { file: path });
}

/** `path` with its symbolic links followed; a link to nothing gives the path it names. */
export async function followLinks(path: string): Promise<string> {
  let target = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    try {
      if (!(await lstat(target)).isSymbolicLink()) return target;
    } catch {
      return target;
    }
    target = resolve(dirname(target), await readlink(target));
  }
  throw invalidInput(`more than ${MAX_LINKS} symbolic links in a row`, { file: path });
}

/** Fails with a clear message when `dir` (links followed) exists and is not a folder. */
export async function assertOutputFolder(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw invalidInput("exists and is not a folder; give a folder to write into", { file: dir });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
