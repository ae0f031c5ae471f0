import { readLines } from "../jsonl.js";
import type { Problem } from "../../util/errors.js";

/** One line of a whitespace-separated list file (`name value ...`), or why it could not be read. */
export type ListLine =
  | { kind: "line"; file: string; line: number; fields: string[]; text: string }
  | { kind: "bad"; file: string; line: number; problem: Problem };

/** Streams a list file: blank lines skipped, fields split on runs of spaces or tabs. */
export async function* readListFile(file: string): AsyncGenerator<ListLine> {
  for await (const item of readLines(file)) {
    if (item.kind === "unreadable") {
      yield { kind: "bad", file, line: item.line, problem: item.problem };
      continue;
    }
    yield { kind: "line", file, line: item.line, fields: item.text.trim().split(/[ \t]+/), text: item.text };
  }
}

/** `train_00001.jpg` + `_aligned` -> `train_00001_aligned.jpg` (the aligned-image naming of RAF-DB and RAF-AU). */
export function withSuffix(name: string, suffix: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? `${name}${suffix}` : `${name.slice(0, dot)}${suffix}${name.slice(dot)}`;
}

export function stem(name: string): string {
  const base = name.split("/").pop() ?? name;
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? base : base.slice(0, dot);
}
