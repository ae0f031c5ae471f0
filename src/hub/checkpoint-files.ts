import { constants } from "node:fs";
import { access, lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { reasonOf } from "../util/errors.js";

/** A file of a checkpoint folder: its path in the repository and where its bytes are read. */
export interface CheckpointFile {
  path: string;
  size: number;
  localPath: string;
}

/** A file left out, and why. */
export interface SkippedFile {
  path: string;
  size: number;
  reason: string;
}

export interface CheckpointListing {
  files: CheckpointFile[];
  /** Hidden files and folders (`.git`, `.cache`, ...), not looked into. */
  hidden: SkippedFile[];
  /** What cannot be pushed: links to nothing or out of the roots, unreadable files, devices. */
  unusable: SkippedFile[];
  /** The folders a symbolic link may point into: the folder itself and, in a Hugging Face cache snapshot, its repository's blobs/. */
  roots: string[];
}

/**
 * Every file under `dir`, sub-folders included, following symbolic links that stay inside the
 * allowed roots (the Hugging Face cache's snapshot layout is all links into `../../blobs/`).
 * A link out of the roots, a link to nothing, a loop, an unreadable file, a hidden entry (not
 * looked into) or anything that is not a regular file is skipped with its reason; nothing is
 * dropped without one.
 */
export async function listCheckpointFiles(dir: string): Promise<CheckpointListing> {
  const top = await realpath(dir);
  const roots = [top, ...(await cacheBlobs(top))];
  const files: CheckpointFile[] = [];
  const hidden: SkippedFile[] = [];
  const skipped: SkippedFile[] = [];

  const walk = async (at: string, real: string, prefix: string, seen: ReadonlySet<string>): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(at)).sort();
    } catch (err) {
      if (!prefix) throw err;
      skipped.push({ path: `${prefix}/`, size: 0, reason: `cannot list the folder: ${reasonOf(err)}` });
      return;
    }
    for (const name of names) {
      const path = prefix ? `${prefix}/${name}` : name;
      const full = join(at, name);
      const info = await lstat(full);
      if (name.startsWith(".")) {
        hidden.push({ path, size: info.isFile() ? info.size : 0, reason: "hidden" });
        continue;
      }
      let target = join(real, name);
      if (info.isSymbolicLink()) {
        const followed = await followLink(full, roots);
        if ("reason" in followed) {
          skipped.push({ path, size: 0, reason: followed.reason });
          continue;
        }
        target = followed.target;
      }
      const kind = await stat(target);
      if (kind.isDirectory()) {
        if (seen.has(target)) skipped.push({ path, size: 0, reason: "a symbolic link back to a folder above it (a loop)" });
        else await walk(full, target, path, new Set([...seen, target]));
      } else if (kind.isFile()) {
        const unreadable = await access(target, constants.R_OK).then(
          () => undefined,
          (err: unknown) => `cannot read: ${reasonOf(err)}`,
        );
        if (unreadable) skipped.push({ path, size: kind.size, reason: unreadable });
        else files.push({ path, size: kind.size, localPath: target });
      } else {
        skipped.push({ path, size: 0, reason: "not a regular file (a device, FIFO or socket)" });
      }
    }
  };
  await walk(top, top, "", new Set([top]));
  return { files, hidden, unusable: skipped, roots };
}

/** The link's final target when it exists and lies inside `roots`, else why it is skipped. */
async function followLink(link: string, roots: readonly string[]): Promise<{ target: string } | { reason: string }> {
  const named = await readlink(link);
  let target: string;
  try {
    target = await realpath(link);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { reason: `broken symbolic link to ${named} (the target does not exist)` };
    if (code === "ELOOP") return { reason: `symbolic link loop at ${named}` };
    return { reason: `symbolic link to ${named}: ${reasonOf(err)}` };
  }
  if (!roots.some((root) => inside(target, root))) {
    return { reason: `symbolic link to ${target}, outside the checkpoint folder${roots.length > 1 ? " and its cache's blobs/" : ""}` };
  }
  return { target };
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * For a folder inside a Hugging Face cache snapshot (`<repo>/snapshots/<commit>/...`), the
 * repository's `blobs/` folder that the snapshot's links point into.
 */
async function cacheBlobs(dir: string): Promise<string[]> {
  for (let at = dir; dirname(at) !== at; at = dirname(at)) {
    if (basename(dirname(at)) !== "snapshots") continue;
    const blobs = resolve(dirname(dirname(at)), "blobs");
    try {
      if ((await stat(blobs)).isDirectory()) return [await realpath(blobs)];
    } catch {
      return [];
    }
  }
  return [];
}
