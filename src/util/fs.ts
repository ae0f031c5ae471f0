import { createHash } from "node:crypto";
import { closeSync, createReadStream, writeFile as writeToDescriptor } from "node:fs";
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { outputTarget } from "./output-target.js";
import { createTemporaryFile, releaseTemporary, temporarySibling } from "./temp-files.js";

/**
 * Writes a file so that readers see either the old content or the new, never half of it.
 * Through a symbolic link the link's target is replaced; a device or FIFO is written
 * straight through (see `outputTarget`).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const target = await outputTarget(path);
  if (!target.atomic) {
    await writeFile(target.path, data);
    return;
  }
  await makeDirectory(dirname(target.path));
  const tmp = temporarySibling(target.path);
  const fd = createTemporaryFile(tmp, mode);
  try {
    try {
      await new Promise<void>((resolve, reject) => writeToDescriptor(fd, data, (err) => (err ? reject(err) : resolve())));
    } finally {
      closeSync(fd);
    }
    await rename(tmp, target.path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    releaseTemporary(tmp);
  }
}

/**
 * `mkdir -p`. Node reports a recursive mkdir that fails on a read-only or unwritable parent
 * as ENOENT; this reports the real reason (EROFS, EACCES) of the first folder it cannot make.
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || dirname(dir) === dir) throw err;
    await makeDirectory(dirname(dir));
    await mkdir(dir).catch((inner: NodeJS.ErrnoException) => {
      if (inner.code !== "EEXIST") throw inner;
    });
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** JSON with sorted keys at every level: stable bytes for hashing and diffs. */
export function stableStringify(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeysDeep(value), null, indent);
}

export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
