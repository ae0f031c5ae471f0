import { internalError } from "../util/errors.js";
import { closeSync, openSync, writeSync } from "node:fs";
import { open, stat, truncate } from "node:fs/promises";
import { makeDirectory } from "../util/fs.js";
import { dirname } from "node:path";

/**
 * An append-only JSONL file for results that arrive one by one: each record is one `write`
 * system call of one whole line. The write is synchronous on purpose: a short line lands in
 * the page cache in microseconds, lines never interleave, and no worker waits in a queue
 * behind the others' writes. A process killed at any moment leaves at most a partial last
 * line, which `dropPartialLastLine` removes on the next start.
 */
export class AppendJsonl {
  private fd: number | undefined;
  private written = 0;

  private constructor(readonly path: string) {}

  static async open(path: string, options: { truncate?: boolean } = {}): Promise<AppendJsonl> {
    await makeDirectory(dirname(path));
    const log = new AppendJsonl(path);
    log.fd = openSync(path, options.truncate ? "w" : "a");
    return log;
  }

  get count(): number {
    return this.written;
  }

  append(value: unknown): void {
    if (this.fd === undefined) throw internalError(`${this.path}: appended to after close`);
    const line = Buffer.from(`${JSON.stringify(value)}\n`);
    let offset = 0;
    while (offset < line.length) offset += writeSync(this.fd, line, offset, line.length - offset);
    this.written++;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Cuts a trailing line that has no newline (left by a killed writer) and returns its length
 * in bytes, or 0 when the file ends cleanly or does not exist.
 */
export async function dropPartialLastLine(path: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  if (size === 0) return 0;
  const handle = await open(path, "r");
  try {
    // Scan backwards for the last newline, a block at a time.
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const at = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at !== -1) {
        const keep = start + at + 1;
        if (keep === size) return 0;
        await truncate(path, keep);
        return size - keep;
      }
      end = start;
    }
  } finally {
    await handle.close();
  }
  await truncate(path, 0);
  return size;
}
