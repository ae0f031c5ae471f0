import { randomBytes } from "node:crypto";
import { MAX_LINE_BYTES } from "../../src/data/jsonl.js";

/**
 * The bad-input corpus: what a user may hand any command that reads a file. Each entry is
 * the bytes of one input file, made on the fly (the huge line is 16 MiB and more).
 */
export type InputFault = "empty" | "binary" | "huge-line" | "invalid-utf8" | "unreadable";

export const INPUT_FAULTS: readonly InputFault[] = ["empty", "binary", "huge-line", "invalid-utf8", "unreadable"];

/** The bytes of a bad input; `unreadable` is a good file made unreadable (see harness). */
export function faultyInput(fault: InputFault, good: string): Buffer {
  switch (fault) {
    case "empty":
      return Buffer.alloc(0);
    case "binary":
      // A PNG header and random bytes: no newline, not UTF-8.
      return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00]), randomBytes(4096).map((b) => (b === 0x0a ? 0xff : b))]);
    case "huge-line":
      return Buffer.from(`{"id": "${"x".repeat(MAX_LINE_BYTES + 16)}"}\n`);
    case "invalid-utf8":
      return Buffer.concat([Buffer.from('{"id": "caf'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('"}\n')]);
    case "unreadable":
      return Buffer.from(good);
  }
}

/** A valid Facial-R1 record (a sample record of the FEA format). */
export function sampleRecord(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const happy = i % 2 === 0;
  return {
    id: `r${i}`,
    dataset: "rafdb",
    image: `img/${i}.png`,
    question: "What is the emotion of this face?",
    AUs: happy ? ["AU6", "AU12"] : ["AU1", "AU4", "AU15"],
    labels: [happy ? "happiness" : "sadness"],
    description: happy ? "The cheeks are raised and the lip corners pulled up." : "The inner brows are raised and lowered, the lip corners depressed.",
    meta_info: { subject: `S${i % 5}` },
    ...overrides,
  };
}

export function jsonlOf(values: readonly unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join("");
}

/** `count` valid records as JSONL. */
export function sampleJsonl(count: number, overrides: Record<string, unknown> = {}): string {
  return jsonlOf(Array.from({ length: count }, (_, i) => sampleRecord(i, overrides)));
}
