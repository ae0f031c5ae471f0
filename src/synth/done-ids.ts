import { access } from "node:fs/promises";
import { readJsonl } from "../data/jsonl.js";
import type { Problem } from "../util/errors.js";

/**
 * Ids already in a synthesis output file, so a rerun skips them. A line that is not a
 * record with an id is reported and ignored (its record is generated again).
 */
export async function readDoneIds(out: string, report: (problem: Problem) => void): Promise<Set<string>> {
  const done = new Set<string>();
  try {
    await access(out);
  } catch {
    return done;
  }
  for await (const item of readJsonl(out)) {
    if (item.kind === "unreadable") {
      report({ ...item.problem, severity: "warning", message: `${item.problem.message} (ignored; the record is generated again)` });
      continue;
    }
    const id = (item.value as { id?: unknown } | null)?.id;
    if (typeof id !== "string" && typeof id !== "number") {
      report({ file: item.file, line: item.line, severity: "warning", message: "a line without an id (ignored)" });
      continue;
    }
    done.add(String(id));
  }
  return done;
}
