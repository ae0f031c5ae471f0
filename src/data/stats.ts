import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { compareAuTokens } from "../taxonomy/action-units.js";
import { errorMessage, FacialR1Error, invalidInput, type Problem, unreadableReason } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { outputTarget } from "../util/output-target.js";
import { readJsonlBatches } from "./jsonl.js";
import { checkRecord } from "./record-check.js";
import { fileProgress } from "./validate.js";

/**
 * The per-file frequency map the Facial-R1 trainer reads (`open_r1/configs/config.json`):
 * keyed by file basename, the fraction of records carrying each AU and each label, rounded
 * to 4 decimals. AU keys in numeric order (AU2 before AU10), labels and files alphabetical.
 */
export type FrequencyMap = Record<string, { AUs: Record<string, number>; emotions: Record<string, number> }>;

export const FrequencyMapSchema = z.record(
  z.string(),
  z.looseObject({ AUs: z.record(z.string(), z.number()), emotions: z.record(z.string(), z.number()) }),
);

/** What one file contributed: the fractions plus the counts behind them. */
export interface FileStats {
  file: string;
  key: string;
  read: number;
  /** Valid records, the denominator of every fraction. */
  records: number;
  /** Lines skipped because they are not valid records (see `data validate`). */
  skipped: number;
  AUs: Record<string, number>;
  emotions: Record<string, number>;
}

export interface StatsOptions {
  onProblem?: (p: Problem) => void;
  progress?: boolean;
}

export async function computeStats(files: string[], options: StatsOptions = {}): Promise<FrequencyMap> {
  return toFrequencyMap(await collectStats(files, options));
}

/** Counts every file; throws invalid input for unreadable files, clashing basenames or files without a valid record. */
export async function collectStats(files: string[], options: StatsOptions = {}): Promise<FileStats[]> {
  if (files.length === 0) throw invalidInput("no input files given");
  const byKey = new Map<string, string>();
  for (const file of files) {
    const key = basename(file);
    const other = byKey.get(key);
    if (other !== undefined) throw invalidInput(`same basename as ${other}; the frequency map is keyed by basename`, { file });
    byKey.set(key, file);
  }
  const out: FileStats[] = [];
  for (const file of files) out.push(await countFile(file, options));
  return out;
}

/** One file's fractions of records carrying each AU and each label; a token listed twice in a record counts once. */
export type FrequencyEntry = FrequencyMap[string];

/** The counts behind one file's entry of the frequency map. */
export class FrequencyCounter {
  records = 0;
  private readonly aus = new Map<string, number>();
  private readonly labels = new Map<string, number>();

  /** Counts `times` records that carry these AUs and labels. */
  add(aus: readonly string[], labels: readonly string[], times = 1): void {
    this.records += times;
    countDistinct(this.aus, aus, times);
    countDistinct(this.labels, labels, times);
  }

  entry(): FrequencyEntry {
    return { AUs: fractions(this.aus, this.records, compareAuTokens), emotions: fractions(this.labels, this.records) };
  }
}

async function countFile(file: string, options: StatsOptions): Promise<FileStats> {
  const counter = new FrequencyCounter();
  let read = 0;
  const progress = await fileProgress(`stats ${basename(file)}`, file, options.progress ?? true);
  try {
    for await (const batch of readJsonlBatches(file)) {
      progress.tick(batch.length);
      for (let b = 0; b < batch.length; b++) {
        const item = batch[b];
        read++;
        if (item.kind === "unreadable") {
          options.onProblem?.({ ...item.problem, severity: "error" });
          continue;
        }
        const check = checkRecord(item.value, { file, line: item.line });
        if (!check.ok) {
          for (const p of check.errors) options.onProblem?.({ ...p, severity: "error" });
          continue;
        }
        counter.add(check.record.AUs, check.record.labels);
      }
    }
  } catch (err) {
    if (err instanceof FacialR1Error) throw err;
    throw new FacialR1Error("failure", unreadableReason(err), { file });
  } finally {
    progress.finish();
  }
  const records = counter.records;
  if (records === 0) throw invalidInput(read === 0 ? "no records (empty file)" : `none of the ${read} lines is a valid record`, { file });
  return { file, key: basename(file), read, records, skipped: read - records, ...counter.entry() };
}

function countDistinct(counts: Map<string, number>, items: readonly string[], times: number): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let repeated = false;
    for (let j = 0; j < i; j++) if (items[j] === item) repeated = true;
    if (!repeated) counts.set(item, (counts.get(item) ?? 0) + times);
  }
}

function fractions(counts: Map<string, number>, total: number, compare?: (a: string, b: string) => number): Record<string, number> {
  const keys = [...counts.keys()].sort(compare);
  const out: Record<string, number> = {};
  for (const key of keys) out[key] = round4(counts.get(key)! / total);
  return out;
}

export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export function toFrequencyMap(stats: readonly Pick<FileStats, "key" | "AUs" | "emotions">[]): FrequencyMap {
  const map: FrequencyMap = {};
  for (const s of [...stats].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    map[s.key] = { AUs: s.AUs, emotions: s.emotions };
  }
  return map;
}

/**
 * Computes the map for `files` and merges it into `out` (entries of other files are kept,
 * entries of these files replaced), written atomically. Returns the whole written map.
 */
export async function writeStats(params: { files: string[]; out: string } & StatsOptions): Promise<FrequencyMap> {
  return (await writeStatsReport(params)).written;
}

/** `writeStats` plus the counts behind it and whether an existing file was merged. */
export async function writeStatsReport(
  params: { files: string[]; out: string } & StatsOptions,
): Promise<{ written: FrequencyMap; stats: FileStats[]; merged: boolean }> {
  // A device or FIFO (--out /dev/stdout) holds no earlier map to merge: it is only written to.
  const existing = (await outputTarget(params.out)).atomic ? await readFrequencyMap(params.out) : undefined;
  const stats = await collectStats(params.files, params);
  const written = mergeFrequencyMaps(existing ?? {}, toFrequencyMap(stats));
  await writeFileAtomic(params.out, `${JSON.stringify(written, null, 2)}\n`);
  return { written, stats, merged: existing !== undefined };
}

/** The map in `path`, undefined when the file does not exist; invalid content is an error. */
export async function readFrequencyMap(path: string): Promise<FrequencyMap | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw invalidInput(unreadableReason(err), { file: path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidInput(`not valid JSON (${errorMessage(err)}); refusing to overwrite it`, { file: path });
  }
  const parsed = FrequencyMapSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput(`not a frequency map: ${issue.path.join(".") || "(top level)"}: ${issue.message}; refusing to overwrite it`, { file: path });
  }
  return parsed.data as FrequencyMap;
}

export function mergeFrequencyMaps(base: FrequencyMap, update: FrequencyMap): FrequencyMap {
  const all = { ...base, ...update };
  const merged: FrequencyMap = {};
  for (const key of Object.keys(all).sort()) merged[key] = all[key];
  return merged;
}

/**
 * The counts of `datasetStats` as a table for people (what `facial-r1 data stats`
 * prints): records and skipped lines, then one row per label and per AU with its fraction,
 * one column per file.
 */
export function formatStatsTable(stats: readonly FileStats[]): string {
  const columns = stats.map((s) => s.key);
  const aus = [...new Set(stats.flatMap((s) => Object.keys(s.AUs)))].sort(compareAuTokens);
  const labels = [...new Set(stats.flatMap((s) => Object.keys(s.emotions)))].sort();
  const rows: string[][] = [
    ["records", ...stats.map((s) => String(s.records))],
    ["skipped", ...stats.map((s) => String(s.skipped))],
    ...labels.map((l) => [l, ...stats.map((s) => format(s.emotions[l]))]),
    ...aus.map((a) => [a, ...stats.map((s) => format(s.AUs[a]))]),
  ];
  const header = ["", ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function format(x: number | undefined): string {
  return x === undefined ? "-" : x.toFixed(4);
}
