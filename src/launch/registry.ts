import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { invalidInput } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { RunRecord } from "./types.js";

/** Where facial-r1 keeps its state: $FACIAL_R1_HOME, else ~/.facial-r1. */
export function stateHome(): string {
  return process.env.FACIAL_R1_HOME || join(homedir(), ".facial-r1");
}

function runsDir(): string {
  return join(stateHome(), "runs");
}

export async function saveRun(record: RunRecord): Promise<void> {
  await writeFileAtomic(join(runsDir(), `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

/** A run by id, or by a unique prefix of its id. */
export async function loadRun(idOrPrefix: string): Promise<RunRecord> {
  const runs = await listRuns();
  const exact = runs.find((r) => r.id === idOrPrefix);
  if (exact) return exact;
  const matches = runs.filter((r) => r.id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw invalidInput(`"${idOrPrefix}" matches ${matches.length} runs: ${matches.map((r) => r.id).join(", ")}`);
  throw invalidInput(`no run "${idOrPrefix}" in ${runsDir()} (see facial-r1 runs list)`);
}

/** Every registered run, newest first. */
export async function listRuns(): Promise<RunRecord[]> {
  let names: string[];
  try {
    names = await readdir(runsDir());
  } catch {
    return [];
  }
  const runs: RunRecord[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    try {
      runs.push(JSON.parse(await readFile(join(runsDir(), name), "utf8")) as RunRecord);
    } catch {
      // A record that cannot be read is skipped here; `runs show` on it reports the problem.
    }
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}
