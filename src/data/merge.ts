import { createHash } from "node:crypto";
import { JsonlWriter, readJsonl, rejectsFileOf } from "./jsonl.js";
import { stableStringify } from "../util/fs.js";
import type { Problem } from "../util/errors.js";
import { refuseEmptyInput } from "./empty-input.js";

export interface MergeParams {
  files: readonly string[];
  out: string;
  /** Rejected and conflicting lines with the reason (default `<out>.rejects.jsonl`). */
  rejects?: string;
  onProblem?: (problem: Problem) => void;
  /** Write an empty output when no record was read; otherwise that is an error. */
  allowEmpty?: boolean;
}

export interface MergeSummary {
  files: number;
  out: string;
  rejects: string;
  read: number;
  written: number;
  /** Same id, same content: kept once. */
  duplicates: number;
  /** Same id, different content: the first is kept, the others go to the rejects file. */
  conflicts: number;
  /** Lines that are not JSON objects with an id. */
  rejected: number;
  by_dataset: Record<string, number>;
}

interface FirstSeen {
  digest: string;
  file: number;
  line: number;
}

/**
 * Concatenates converted JSONL files into one, keeping the first record of each id. Records
 * are written as they are (dataset tag and all); memory grows only with the number of distinct
 * ids (a short digest per id), never with record size.
 */
export async function mergeJsonl(params: MergeParams): Promise<MergeSummary> {
  const rejectsPath = params.rejects ?? rejectsFileOf(params.out);
  const writer = new JsonlWriter(params.out);
  const rejects = new JsonlWriter(rejectsPath);
  const seen = new Map<string, FirstSeen>();
  const summary: MergeSummary = { files: params.files.length, out: params.out, rejects: rejectsPath, read: 0, written: 0, duplicates: 0, conflicts: 0, rejected: 0, by_dataset: {} };
  const reject = async (problem: Problem, raw: string | undefined) => {
    params.onProblem?.(problem);
    await rejects.write({ ...problem, ...(raw !== undefined ? { raw } : {}) });
  };
  try {
    for (const [fileIndex, file] of params.files.entries()) {
      for await (const item of readJsonl(file)) {
        summary.read++;
        if (item.kind === "unreadable") {
          summary.rejected++;
          await reject(item.problem, item.text);
          continue;
        }
        const value = item.value as Record<string, unknown> | null;
        const id = value !== null && typeof value === "object" && !Array.isArray(value) ? value.id : undefined;
        if ((typeof id !== "string" || id === "") && !Number.isInteger(id)) {
          summary.rejected++;
          await reject({ file, line: item.line, field: "id", message: "not a record with an id" }, item.text);
          continue;
        }
        const key = JSON.stringify(id);
        const digest = createHash("sha256").update(stableStringify(value, 0)).digest("base64").slice(0, 22);
        const first = seen.get(key);
        if (first) {
          if (first.digest === digest) {
            summary.duplicates++;
          } else {
            summary.conflicts++;
            await reject(
              { file, line: item.line, field: "id", message: `id ${key} conflicts with ${params.files[first.file]}:${first.line} (a different record; the first is kept)` },
              item.text,
            );
          }
          continue;
        }
        seen.set(key, { digest, file: fileIndex, line: item.line });
        const dataset = typeof value!.dataset === "string" ? value!.dataset : "";
        summary.by_dataset[dataset] = (summary.by_dataset[dataset] ?? 0) + 1;
        summary.written++;
        await writer.writeLine(item.text);
      }
    }
    refuseEmptyInput({ records: summary.written, read: summary.read, files: params.files, allowEmpty: params.allowEmpty, what: "record with an id" });
  } catch (err) {
    await writer.abort();
    await rejects.abort();
    throw err;
  }
  await writer.close();
  await rejects.close();
  return summary;
}
