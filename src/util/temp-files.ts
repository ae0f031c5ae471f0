import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, rmSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Temporary files written before an atomic rename: `.<name>.<pid>.<8 hex>.tmp` next to the
 * final file. The process id in the name tells whether the writer still runs, so a later run
 * can remove what a killed one left behind without touching the files of a live one.
 */

/** Temporary paths of this process that exist now (created, not yet renamed or removed). */
const live = new Set<string>();

/** A temporary sibling name ended in `.tmp`, for writing before an atomic rename. */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** The file a temporary sibling stands in for (`dir/.out.jsonl.123.0a1b2c3d.tmp` → `dir/out.jsonl`); other paths as they are. */
export function finalPathOf(path: string): string {
  const name = /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/.exec(basename(path));
  return name ? join(dirname(path), name[1]) : path;
}

/** Marks `path` as a temporary of this process until `release`; `removeLiveTemporaries` removes it. */
export function trackTemporary(path: string): void {
  live.add(path);
}

/**
 * Creates the temporary file `path` (it must not exist) and tracks it, in one synchronous step:
 * a signal that removes the live temporaries lands before both or after both, never between an
 * asynchronous create still running on a worker thread and the removal. Returns its descriptor.
 */
export function createTemporaryFile(path: string, mode?: number): number {
  const fd = openSync(path, "wx", mode);
  trackTemporary(path);
  return fd;
}

/** The same for a temporary folder. */
export function createTemporaryDirectory(path: string): void {
  mkdirSync(path);
  trackTemporary(path);
}

export function releaseTemporary(path: string): void {
  live.delete(path);
}

/**
 * Removes every tracked temporary at once, synchronously (safe in a signal handler or on
 * exit); returns how many were removed.
 */
export function removeLiveTemporaries(): number {
  let removed = 0;
  for (const path of live) {
    try {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // Nothing more can be done on the way out.
    }
  }
  live.clear();
  return removed;
}

/** Temporaries of the old naming (no process id) are stale once they are this old. */
const UNOWNED_STALE_MS = 60 * 60 * 1000;

/**
 * Removes the temporaries of `path` that an earlier, killed run left: those whose writer
 * process no longer runs (or, for names without a process id, older than an hour). Other
 * files, and temporaries of live processes, are never touched. Returns the paths removed.
 */
export async function sweepStaleTemporaries(path: string): Promise<string[]> {
  const dir = dirname(path);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.(?:(\\d+)\\.)?[0-9a-f]{8}\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const stale = match[1] !== undefined ? !processRuns(Number(match[1])) : await olderThan(join(dir, name), UNOWNED_STALE_MS);
    if (!stale) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
