import { createHash, type Hash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";

/** What was written: its SHA-256 (hex) and length in bytes. */
export interface WrittenFile {
  sha256: string;
  bytes: number;
}

/** Bytes gathered before a block goes to the file. */
const BLOCK = 256 * 1024;
/** UTF-8 needs at most this many bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Writes a new file in large blocks, encoding text straight into the block and hashing every
 * block on its way out (unless `hash` is false), so the file need not be read again to be
 * hashed. `ready` is a promise while the disk is behind (wait for it before writing much
 * more); `close` flushes and gives the hash and the length.
 */
export class HashedWriter {
  private readonly stream: WriteStream;
  private readonly hash: Hash | undefined;
  private readonly failed: Promise<never>;
  private block: Buffer = Buffer.allocUnsafe(BLOCK);
  /** Blocks the stream is done with, for reuse: memory stays at the blocks in flight. */
  private readonly free: Buffer[] = [];
  private used = 0;
  private bytes = 0;
  private draining: Promise<void> | undefined;

  constructor(
    readonly path: string,
    options: { mode?: number; hash?: boolean } = {},
  ) {
    this.stream = createWriteStream(path, options.mode === undefined ? undefined : { mode: options.mode });
    this.hash = options.hash === false ? undefined : createHash("sha256");
    this.failed = new Promise<never>((_, reject) => this.stream.once("error", reject));
    this.failed.catch(() => undefined);
  }

  /** Writes text as UTF-8. */
  write(text: string): void {
    if (text.length * MAX_BYTES_PER_UNIT > BLOCK - this.used) {
      this.flush();
      if (text.length * MAX_BYTES_PER_UNIT > BLOCK) return this.send(Buffer.from(text));
    }
    this.used += this.block.write(text, this.used);
  }

  /** Writes `bytes[start, end)`. */
  writeBytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const length = end - start;
    if (length > BLOCK - this.used) {
      this.flush();
      if (length > BLOCK) return this.send(Buffer.from(bytes.subarray(start, end)));
    }
    this.block.set(bytes.subarray(start, end), this.used);
    this.used += length;
  }

  /** A promise while earlier blocks wait for the disk (or the stream failed). */
  ready(): Promise<void> | undefined {
    return this.draining;
  }

  async close(): Promise<WrittenFile> {
    this.flush();
    await Promise.race([new Promise<void>((done) => this.stream.end(done)), this.failed]);
    return { sha256: this.hash?.digest("hex") ?? "", bytes: this.bytes };
  }

  /** Stops writing; the caller removes the file. */
  abort(): void {
    this.stream.destroy();
  }

  private flush(): void {
    if (this.used === 0) return;
    const block = this.block;
    const full = block.subarray(0, this.used);
    this.block = this.free.pop() ?? Buffer.allocUnsafe(BLOCK);
    this.used = 0;
    this.send(full, () => this.free.push(block));
  }

  private send(data: Buffer, written?: () => void): void {
    this.hash?.update(data);
    this.bytes += data.length;
    if (!this.stream.write(data, written) && !this.draining) {
      this.draining = Promise.race([new Promise<void>((done) => this.stream.once("drain", done)), this.failed]).finally(() => (this.draining = undefined));
    }
  }
}
