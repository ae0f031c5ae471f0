import { isUtf8 } from "node:buffer";

/** 1-based number of the first line of `bytes` that is not UTF-8 (only called on invalid input). */
export function firstNonUtf8Line(bytes: Buffer): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1 || !isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
}
