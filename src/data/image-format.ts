import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { type ErrorCode, FacialR1Error, reasonOf } from "../util/errors.js";
import { crc32, PNG_SIGNATURE } from "../util/png.js";

/**
 * Image checks without decoding pixels: the format and dimensions come from the header,
 * and a structural check (signature, header checksum, end marker, declared sizes) catches
 * empty, truncated and corrupt files. A check is a handful of system calls (open, fstat, one
 * read of the header, one of the end for larger files, close), made synchronously: for the
 * small files of a dataset they cost less than handing each call to the thread pool.
 */
export type ImageFormat = "png" | "jpeg" | "gif" | "webp" | "bmp";

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
}

/** Why an image failed; the keys of the image summary. */
export type ImageProblemKind = "missing" | "outside" | "not_a_file" | "empty" | "unsupported" | "corrupt" | "unreadable";

export class ImageError extends FacialR1Error {
  constructor(
    readonly kind: ImageProblemKind,
    message: string,
    path: string,
  ) {
    super(codeOf(kind), message, { file: path });
  }
}

function codeOf(kind: ImageProblemKind): ErrorCode {
  return kind === "missing" ? "not_found" : kind === "unreadable" ? "failure" : "invalid_input";
}

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 1024;
/** Open flags of a check: a FIFO or device must not block the open (fstat then refuses it). */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Format and dimensions of an image file, after a structural check; throws ImageError. */
export async function readImageInfo(path: string): Promise<ImageInfo> {
  return readImageInfoSync(path);
}

/** `readImageInfo` on the calling thread. */
export function readImageInfoSync(path: string): ImageInfo {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw fileError(err, path);
  }
  return inspectOpenFile(fd, path);
}

/** Checks an open file (closing it); `path` names it in errors. Throws ImageError. */
export function inspectOpenFile(fd: number, path: string): ImageInfo {
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new ImageError("not_a_file", "is not a regular file", path);
    if (info.size === 0) throw new ImageError("empty", "empty file (0 bytes)", path);
    const reader = new WindowReader(fd, info.size);
    const head = reader.read(0, Math.min(info.size, HEAD_BYTES));
    const tail = info.size <= head.length ? head : reader.read(info.size - TAIL_BYTES, TAIL_BYTES);
    return { ...parseImage({ head, tail, size: info.size, reader, path }), bytes: info.size };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw fileError(err, path);
  } finally {
    closeSync(fd);
  }
}

export function fileError(err: unknown, path: string): ImageError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ImageError("missing", "image file not found", path);
  if (code === "EISDIR") return new ImageError("not_a_file", "is a directory, expected an image file", path);
  if (code === "ELOOP") return new ImageError("unreadable", "symbolic link loop", path);
  return new ImageError("unreadable", `cannot read image: ${reasonOf(err)}`, path);
}

/** One scratch buffer per thread for the head: a check holds it only while it runs. */
const scratch = Buffer.allocUnsafe(HEAD_BYTES);

/** Positional reads, served from the first bytes of the file once they are loaded. */
class WindowReader {
  private head: Buffer | undefined;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Buffer {
    const start = Math.max(0, offset);
    const end = Math.min(this.size, start + length);
    if (this.head && end <= this.head.length) return this.head.subarray(start, end);
    const first = start === 0 && this.head === undefined;
    const buf = first && end - start <= scratch.length ? scratch.subarray(0, end - start) : Buffer.allocUnsafe(Math.max(0, end - start));
    let done = 0;
    while (done < buf.length) {
      const bytesRead = readSync(this.fd, buf, done, buf.length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    const out = done === buf.length ? buf : buf.subarray(0, done);
    if (first) this.head = out;
    return out;
  }
}

interface ParseInput {
  head: Buffer;
  tail: Buffer;
  size: number;
  reader: WindowReader;
  path: string;
}

type Parsed = Omit<ImageInfo, "bytes">;

function parseImage(input: ParseInput): Parsed {
  const { head, path } = input;
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return parsePng(input);
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return parseJpeg(input);
  const ascii = head.subarray(0, 12).toString("latin1");
  if (ascii.startsWith("GIF87a") || ascii.startsWith("GIF89a")) return parseGif(input);
  if (ascii.startsWith("RIFF") && ascii.slice(8, 12) === "WEBP") return parseWebp(input);
  if (ascii.startsWith("BM") && head.length >= 26) return parseBmp(input);
  throw new ImageError("unsupported", "not a PNG, JPEG, GIF, WebP or BMP image (unknown signature)", path);
}

function corrupt(path: string, format: string, what: string): ImageError {
  return new ImageError("corrupt", `corrupt ${format}: ${what}`, path);
}

function checkDimensions(path: string, format: string, width: number, height: number): Parsed {
  if (!(width > 0) || !(height > 0)) throw corrupt(path, format, `invalid dimensions ${width}x${height}`);
  return { format: format.toLowerCase() as ImageFormat, width, height };
}

const IEND_CHUNK = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

function parsePng({ head, tail, path }: ParseInput): Parsed {
  if (head.length < 33) throw corrupt(path, "PNG", "truncated before the end of the IHDR chunk");
  if (head.readUInt32BE(8) !== 13 || head.toString("latin1", 12, 16) !== "IHDR") throw corrupt(path, "PNG", "first chunk is not IHDR");
  if (crc32(head.subarray(12, 29)) !== head.readUInt32BE(29)) throw corrupt(path, "PNG", "IHDR checksum mismatch");
  if (tail.length < IEND_CHUNK.length || !tail.subarray(tail.length - IEND_CHUNK.length).equals(IEND_CHUNK)) {
    throw corrupt(path, "PNG", "truncated: the file does not end with an IEND chunk");
  }
  return checkDimensions(path, "PNG", head.readUInt32BE(16), head.readUInt32BE(20));
}

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function parseJpeg({ tail, size, reader, path }: ParseInput): Parsed {
  let frame: Parsed | undefined;
  let offset = 2;
  while (frame === undefined) {
    const header = reader.read(offset, 9);
    if (header.length < 2) throw corrupt(path, "JPEG", "truncated before the frame header (SOF)");
    if (header[0] !== 0xff) throw corrupt(path, "JPEG", `expected a marker at byte ${offset}`);
    const marker = header[1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw corrupt(path, "JPEG", "no frame header (SOF) before the image data");
    if (header.length < 4) throw corrupt(path, "JPEG", "truncated inside a segment header");
    const length = header.readUInt16BE(2);
    if (length < 2 || offset + 2 + length > size) throw corrupt(path, "JPEG", `segment at byte ${offset} runs past the end of the file`);
    if (JPEG_SOF.has(marker)) {
      if (length < 8 || header.length < 9) throw corrupt(path, "JPEG", "frame header too short");
      frame = checkDimensions(path, "JPEG", header.readUInt16BE(7), header.readUInt16BE(5));
    }
    offset += 2 + length;
  }
  if (!hasJpegEnd(tail)) throw corrupt(path, "JPEG", "truncated: no end-of-image marker (EOI) at the end of the file");
  return frame;
}

/** EOI near the end; a few writers pad after it, entropy-coded data never contains FF D9. */
function hasJpegEnd(tail: Buffer): boolean {
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  return false;
}

function parseGif({ head, tail, path }: ParseInput): Parsed {
  if (head.length < 13) throw corrupt(path, "GIF", "truncated inside the screen descriptor");
  let end = tail.length - 1;
  while (end > 0 && tail[end] === 0) end--;
  if (tail[end] !== 0x3b) throw corrupt(path, "GIF", "truncated: no trailer byte (0x3B) at the end of the file");
  return checkDimensions(path, "GIF", head.readUInt16LE(6), head.readUInt16LE(8));
}

function parseWebp({ head, size, path }: ParseInput): Parsed {
  const riffEnd = head.readUInt32LE(4) + 8;
  if (riffEnd > size) throw corrupt(path, "WebP", `truncated: ${size} bytes of the ${riffEnd} the header declares`);
  if (head.length < 30) throw corrupt(path, "WebP", "truncated inside the first chunk");
  const chunk = head.toString("latin1", 12, 16);
  if (chunk === "VP8 ") {
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) throw corrupt(path, "WebP", "bad VP8 frame signature");
    return checkDimensions(path, "WebP", head.readUInt16LE(26) & 0x3fff, head.readUInt16LE(28) & 0x3fff);
  }
  if (chunk === "VP8L") {
    if (head[20] !== 0x2f) throw corrupt(path, "WebP", "bad VP8L signature");
    const bits = head.readUInt32LE(21);
    return checkDimensions(path, "WebP", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === "VP8X") {
    return checkDimensions(path, "WebP", head.readUIntLE(24, 3) + 1, head.readUIntLE(27, 3) + 1);
  }
  throw corrupt(path, "WebP", `unknown first chunk "${chunk}"`);
}

function parseBmp({ head, size, path }: ParseInput): Parsed {
  const declared = head.readUInt32LE(2);
  if (declared > size) throw corrupt(path, "BMP", `truncated: ${size} bytes of the ${declared} the header declares`);
  const pixelsAt = head.readUInt32LE(10);
  if (pixelsAt >= size) throw corrupt(path, "BMP", "pixel data starts past the end of the file");
  const dibSize = head.readUInt32LE(14);
  if (dibSize === 12) return checkDimensions(path, "BMP", head.readUInt16LE(18), head.readUInt16LE(20));
  if (dibSize < 40) throw corrupt(path, "BMP", `unknown header size ${dibSize}`);
  return checkDimensions(path, "BMP", Math.abs(head.readInt32LE(18)), Math.abs(head.readInt32LE(22)));
}
