import { access } from "node:fs/promises";
import { readJsonl } from "../data/jsonl.js";
import type { Problem } from "../util/errors.js";
import { dropPartialLastLine } from "./append-jsonl.js";

/**
 * Gets an output file of earlier runs ready for a rerun: cuts a partial last line left by a
 * killed run, and reads the ids already done, so they are skipped. A line that does not count
 * as done is reported as a warning and ignored (its record is sent again).
 */
export interface ResumeOutputParams {
  out: string;
  report: (problem: Problem) => void;
  /** What becomes of an unreadable line's record, e.g. "the record is requested again". */
  redone: string;
  /** The id of a line that counts as done, or undefined; by default its `id` field (string or number). */
  idOf?: (value: unknown) => string | undefined;
  /** The warning for a readable line without a usable id. */
  notARecord: string;
}

export interface ResumedOutput {
  /** Bytes of the partial last line removed (0 if none). */
  partial: number;
  done: Set<string>;
}

export async function resumeOutput(params: ResumeOutputParams): Promise<ResumedOutput> {
  const { out, report } = params;
  const partial = await dropPartialLastLine(out);
  if (partial > 0) report({ file: out, severity: "warning", message: `discarded a partial last line (${partial} bytes) left by an interrupted run` });
  const idOf = params.idOf ?? idField;
  const done = new Set<string>();
  try {
    await access(out);
  } catch {
    return { partial, done };
  }
  for await (const item of readJsonl(out)) {
    if (item.kind === "unreadable") {
      report({ ...item.problem, severity: "warning", message: `${item.problem.message} (ignored; ${params.redone})` });
      continue;
    }
    const id = idOf(item.value);
    if (id === undefined) {
      report({ file: item.file, line: item.line, severity: "warning", message: params.notARecord });
      continue;
    }
    done.add(id);
  }
  return { partial, done };
}

function idField(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}
