import { constants, createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { access, rename, rm, stat } from "node:fs/promises";
import { isUtf8 } from "node:buffer";
import { dirname } from "node:path";
import { invalidInput, type Problem, unreadableReason } from "../util/errors.js";
import { makeDirectory } from "../util/fs.js";
import { outputTarget } from "../util/output-target.js";
import { createTemporaryFile, releaseTemporary, sweepStaleTemporaries, temporarySibling } from "../util/temp-files.js";
import { formatBytes } from "../util/bytes.js";

/** Lines longer than this are rejected without ever being held in memory whole. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A non-blank line of a JSONL file, decoded; or the reason it could not be. */
export type JsonlLine =
  | { kind: "line"; file: string; line: number; text: string; bytes: number }
  | { kind: "unreadable"; file: string; line: number; problem: Problem; bytes: number; raw?: Buffer };

export interface ReadLinesOptions {
  maxLineBytes?: number;
  chunkBytes?: number;
  /** Sees every chunk of the file's bytes as read, before its lines are split (to hash or copy the file on the way). */
  onChunk?: (chunk: Buffer) => void;
}

/**
 * Streams the lines of a JSONL file in constant memory. Handles CRLF, a UTF-8 BOM,
 * blank lines (skipped, but counted in line numbers), a last line without newline,
 * invalid UTF-8 and over-long lines (reported, never loaded whole).
 */
export async function* readLines(file: string, options: ReadLinesOptions = {}): AsyncGenerator<JsonlLine> {
  for await (const batch of readLineBatches(file, options)) yield* batch;
}

/**
 * `readLines` in batches (the lines completed by one read chunk): one await per chunk
 * instead of one per line, for hot loops over millions of lines.
 */
export async function* readLineBatches(file: string, options: ReadLinesOptions = {}): AsyncGenerator<JsonlLine[]> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  await assertReadableFile(file);
  const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 });

  let lineNumber = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let oversizedBytes = 0;
  let first = true;

  const finishLine = (buf: Buffer): JsonlLine | undefined => {
    const number = lineNumber++;
    let end = buf.length;
    if (end > 0 && buf[end - 1] === CARRIAGE_RETURN) end--;
    let start = 0;
    if (first) {
      first = false;
      if (buf.length >= 3 && buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2]) start = 3;
    }
    const body = buf.subarray(start, end);
    if (!isUtf8(body)) {
      return {
        kind: "unreadable",
        file,
        line: number,
        bytes: buf.length,
        raw: Buffer.from(body),
        problem: { file, line: number, message: `invalid UTF-8 at byte ${firstInvalidUtf8Byte(body)} of the line` },
      };
    }
    const text = body.toString("utf8");
    if (isBlank(text)) return undefined;
    return { kind: "line", file, line: number, text, bytes: buf.length };
  };

  const oversizedLine = (): JsonlLine => {
    const number = lineNumber++;
    first = false;
    const result: JsonlLine = {
      kind: "unreadable",
      file,
      line: number,
      bytes: oversizedBytes,
      problem: { file, line: number, message: `line is ${formatBytes(oversizedBytes)}, over the ${formatBytes(maxLineBytes)} limit` },
    };
    oversized = false;
    oversizedBytes = 0;
    return result;
  };

  let batch: JsonlLine[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    options.onChunk?.(chunk);
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (oversized) {
        oversizedBytes += end - start;
      } else if (pendingBytes + (end - start) > maxLineBytes) {
        oversized = true;
        oversizedBytes = pendingBytes + (end - start);
        pending = [];
        pendingBytes = 0;
      } else if (newline !== -1) {
        const piece = chunk.subarray(start, end);
        const whole = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece], pendingBytes + piece.length);
        pending = [];
        pendingBytes = 0;
        const result = finishLine(whole);
        if (result) batch.push(result);
      } else {
        // Copy: the stream may reuse its chunk buffers.
        const piece = Buffer.from(chunk.subarray(start, end));
        pending.push(piece);
        pendingBytes += piece.length;
      }
      if (newline === -1) break;
      if (oversized) batch.push(oversizedLine());
      start = newline + 1;
    }
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  if (oversized) batch.push(oversizedLine());
  else if (pendingBytes > 0) {
    const result = finishLine(Buffer.concat(pending, pendingBytes));
    if (result) batch.push(result);
  }
  if (batch.length > 0) yield batch;
}

/** A JSONL line parsed as JSON, or the reason it could not be. */
export type JsonlValue =
  | { kind: "value"; file: string; line: number; value: unknown; text: string }
  | { kind: "unreadable"; file: string; line: number; problem: Problem; text?: string; raw?: Buffer; bytes?: number };

/** `readLines` plus `JSON.parse`; invalid JSON is reported with the parser's reason. */
export async function* readJsonl(file: string, options: ReadLinesOptions = {}): AsyncGenerator<JsonlValue> {
  for await (const batch of readJsonlBatches(file, options)) yield* batch;
}

/** `readJsonl` in batches, one per read chunk (see `readLineBatches`). */
export async function* readJsonlBatches(file: string, options: ReadLinesOptions = {}): AsyncGenerator<JsonlValue[]> {
  for await (const lines of readLineBatches(file, options)) {
    const batch: JsonlValue[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) batch[i] = parseLine(file, lines[i]);
    yield batch;
  }
}

function parseLine(file: string, item: JsonlLine): JsonlValue {
  if (item.kind === "unreadable") {
    return { kind: "unreadable", file, line: item.line, problem: item.problem, raw: item.raw, bytes: item.bytes };
  }
  try {
    return { kind: "value", file, line: item.line, value: JSON.parse(item.text), text: item.text };
  } catch (err) {
    return {
      kind: "unreadable",
      file,
      line: item.line,
      text: item.text,
      problem: { file, line: item.line, message: `invalid JSON: ${(err as Error).message}` },
    };
  }
}

/** Fails with a clear message when `file` is missing, unreadable or a directory. */
export async function assertReadableFile(file: string, expected = "a JSONL file"): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw invalidInput(unreadableReason(err), { file });
  }
  if (info.isDirectory()) throw invalidInput(`is a directory, expected ${expected}`, { file });
  await access(file, constants.R_OK).catch((err: unknown) => {
    throw invalidInput(unreadableReason(err), { file });
  });
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

/** 1-based offset of the first byte that breaks UTF-8 (only called on invalid input). */
function firstInvalidUtf8Byte(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const lead = buf[i];
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    if (length === 0 || !isUtf8(buf.subarray(i, i + length))) return i + 1;
    i += length;
  }
  return buf.length;
}

/**
 * Writes JSONL with backpressure to a temporary sibling, renamed into place on
 * `close()`; `abort()` removes it. Readers never see a half-written file. Through a symbolic
 * link the link's target is replaced; a device or FIFO is written straight through. Opening
 * removes the temporaries an earlier, killed run left next to the file.
 */
export class JsonlWriter {
  private tmp: string | undefined;
  /** `path` with its links followed, known once opened. */
  private target = "";
  private stream: WriteStream | undefined;
  private opened: Promise<void> | undefined;
  private written = 0;
  /** The stream's first error (a failed write, or a write cut short by abort), reported by the next call. */
  private failure: Error | undefined;

  constructor(readonly path: string) {}

  get count(): number {
    return this.written;
  }

  async write(value: unknown): Promise<void> {
    await this.writeLine(JSON.stringify(value));
  }

  /** Writes an already-serialised line (no newline inside). */
  async writeLine(text: string): Promise<void> {
    const stream = await this.open();
    if (this.failure) throw this.failure;
    this.written++;
    if (!stream.write(`${text}\n`)) {
      await new Promise<void>((resolve) => {
        stream.once("drain", resolve);
        stream.once("close", resolve);
      });
      if (this.failure) throw this.failure;
    }
  }

  async close(): Promise<void> {
    const stream = await this.open();
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      stream.once("error", reject);
      stream.end(() => resolve());
    });
    if (this.tmp === undefined) return;
    await rename(this.tmp, this.target);
    releaseTemporary(this.tmp);
  }

  async abort(): Promise<void> {
    this.stream?.destroy();
    if (this.tmp === undefined) return;
    await rm(this.tmp, { force: true });
    releaseTemporary(this.tmp);
  }

  private open(): Promise<WriteStream> {
    this.opened ??= (async () => {
      const target = await outputTarget(this.path);
      this.target = target.path;
      if (target.atomic) {
        await makeDirectory(dirname(target.path));
        await sweepStaleTemporaries(target.path);
        this.tmp = temporarySibling(target.path);
        this.stream = createWriteStream(this.tmp, { fd: createTemporaryFile(this.tmp) });
        this.stream.on("error", (err) => (this.failure ??= err));
        return;
      }
      this.stream = createWriteStream(target.path);
      this.stream.on("error", (err) => (this.failure ??= err));
      await new Promise<void>((resolve, reject) => {
        this.stream!.once("open", () => resolve());
        this.stream!.once("error", reject);
      });
    })();
    return this.opened.then(() => this.stream!);
  }
}

/** The default rejects file of an output: `<out>.rejects.jsonl`, next to it. */
export function rejectsFileOf(out: string): string {
  return `${out}.rejects.jsonl`;
}
