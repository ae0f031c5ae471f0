import { createHash, type Hash } from "node:crypto";
import { resolve } from "node:path";
import { failure, invalidInput, type Problem } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import type { Sample } from "../schema/sample.js";
import { JsonlWriter, readJsonlBatches, readLineBatches } from "./jsonl.js";
import { checkRecord } from "./record-check.js";

/**
 * The two-pass machinery shared by `data shard` and `data split`.
 *
 * Pass 1 (`scanRecords`) reads every input once, checks each record, and keeps only small
 * per-record integers: one validity bit per line and, per valid record, the id of its label
 * set, of its AU set and (when asked) of its key (stratum or group): at most 12 bytes per
 * record plus the distinct values themselves. The caller then decides where each valid
 * record goes. Pass 2 (`writePartition`) reads the inputs again, without parsing them, and
 * copies each valid record's line byte for byte to its output(s), in input order.
 */

/** Outputs open at the same time; more outputs take one more read of the inputs per window. */
export const MAX_OPEN_OUTPUTS = 128;

export interface InputCounts {
  file: string;
  /** Non-blank lines read. */
  read: number;
  /** Lines accepted (and written, by pass 2). */
  accepted: number;
  rejected: number;
}

/** Where a key for a record comes from: a string, or the reason the record has none. */
export type KeyResult = { key: string } | { problem: Omit<Problem, "file" | "line"> };

/** Distinct values numbered in first-seen order, and the number of each accepted record's value. */
export interface Interned {
  values: string[];
  of: Uint32Array;
}

export interface ScanResult {
  files: string[];
  inputs: InputCounts[];
  /** Valid records, numbered 0..accepted-1 in input order (their "ordinals"). */
  accepted: number;
  read: number;
  rejected: number;
  /** The key of each record (stratum or group); empty when no `keyOf` was given. */
  keys: Interned;
  /** Each record's distinct labels and AUs (see `labelSetKey`): pass 2 counts them without parsing again. */
  labelSets: Interned;
  auSets: Interned;
  /** One bit per non-blank line of all inputs together: set when the line was accepted. */
  validity: Uint8Array;
}

export interface ScanParams {
  files: string[];
  /** Key of each record (a stratum or a group); records without one are rejected. */
  keyOf?: (sample: Sample) => KeyResult;
  onProblem?: (problem: Problem) => void;
  progressLabel?: string;
  /** Progress lines on stderr (default true; FACIAL_R1_QUIET silences them). */
  progress?: boolean;
}

class Interner {
  private readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  private ids = new Uint32Array(1024);

  set(ordinal: number, value: string): void {
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.index.set(value, id);
    }
    if (ordinal >= this.ids.length) this.ids = grow(this.ids);
    this.ids[ordinal] = id;
  }

  result(count: number): Interned {
    return { values: this.values, of: this.ids.subarray(0, this.values.length === 0 ? 0 : count) };
  }
}

export async function scanRecords(params: ScanParams): Promise<ScanResult> {
  const inputs: InputCounts[] = [];
  const keys = new Interner();
  const labelSets = new Interner();
  const auSets = new Interner();
  let validity = new Uint8Array(1024);
  let item = 0;
  let accepted = 0;
  const progress = new Progress({ label: params.progressLabel ?? "reading", unit: "records", enabled: params.progress });

  for (const file of params.files) {
    const counts: InputCounts = { file, read: 0, accepted: 0, rejected: 0 };
    inputs.push(counts);
    const reject = (...problems: Problem[]) => {
      counts.rejected++;
      for (const problem of problems) params.onProblem?.({ severity: "error", ...problem });
    };
    for await (const batch of readJsonlBatches(file)) {
      counts.read += batch.length;
      progress.tick(batch.length);
      for (const entry of batch) {
        const index = item++;
        if (entry.kind === "unreadable") {
          reject(entry.problem);
          continue;
        }
        // Warnings (unknown fields, labels outside the vocabulary) keep the record, as in `data validate`.
        const checked = checkRecord(entry.value, { file, line: entry.line });
        if (!checked.ok) {
          reject(...checked.errors);
          continue;
        }
        if (params.keyOf) {
          const result = params.keyOf(checked.record);
          if ("problem" in result) {
            reject({ file, line: entry.line, ...result.problem });
            continue;
          }
          keys.set(accepted, result.key);
        }
        labelSets.set(accepted, labelSetKey(checked.record.labels));
        auSets.set(accepted, auSetKey(checked.record.AUs));
        if (index >> 3 >= validity.length) validity = grow(validity);
        validity[index >> 3] |= 1 << (index & 7);
        accepted++;
        counts.accepted++;
      }
    }
  }
  progress.finish();
  const read = inputs.reduce((sum, c) => sum + c.read, 0);
  return {
    files: params.files,
    inputs,
    accepted,
    read,
    rejected: read - accepted,
    keys: keys.result(accepted),
    labelSets: labelSets.result(accepted),
    auSets: auSets.result(accepted),
    validity,
  };
}

/** Counts of records carrying each label / AU (a record counts once per distinct value). */
export interface Histograms {
  labels: Record<string, number>;
  AUs: Record<string, number>;
}

export interface OutputSummary extends Histograms {
  path: string;
  records: number;
  bytes: number;
  sha256: string;
}

export interface WriteParams {
  scan: ScanResult;
  outputs: string[];
  /** The outputs a valid record goes to, by its ordinal (return shared arrays: called per record). */
  route: (ordinal: number) => readonly number[];
  progressLabel?: string;
  progress?: boolean;
}

/**
 * Pass 2: copies every accepted line to its outputs. Each output is written atomically
 * (JsonlWriter) and summarised with its record count, byte size, SHA-256 and histograms.
 */
export async function writePartition(params: WriteParams): Promise<OutputSummary[]> {
  assertOutputsAreNotInputs(params.scan.files, params.outputs);
  const summaries: OutputSummary[] = [];
  for (let start = 0; start < params.outputs.length; start += MAX_OPEN_OUTPUTS) {
    const window = params.outputs.slice(start, start + MAX_OPEN_OUTPUTS);
    summaries.push(...(await writeWindow(params, start, window)));
  }
  return summaries;
}

interface OpenOutput {
  writer: JsonlWriter;
  hash: Hash;
  records: number;
  bytes: number;
  /** Lines of the current input batch, written together. */
  pending: string[];
  labelSetCounts: Map<number, number>;
  auSetCounts: Map<number, number>;
}

async function writeWindow(params: WriteParams, first: number, paths: string[]): Promise<OutputSummary[]> {
  const { scan } = params;
  const open: OpenOutput[] = paths.map((path) => ({
    writer: new JsonlWriter(path),
    hash: createHash("sha256"),
    records: 0,
    bytes: 0,
    pending: [],
    labelSetCounts: new Map(),
    auSetCounts: new Map(),
  }));
  const progress = new Progress({ label: params.progressLabel ?? "writing", unit: "records", total: scan.read, enabled: params.progress });
  let item = 0;
  let ordinal = 0;
  try {
    for (const file of scan.files) {
      for await (const batch of readLineBatches(file)) {
        progress.tick(batch.length);
        for (const entry of batch) {
          const index = item++;
          if (index >> 3 >= scan.validity.length || (scan.validity[index >> 3] & (1 << (index & 7))) === 0) continue;
          if (entry.kind === "unreadable") throw changedWhileReading(file, entry.line);
          const own = ordinal++;
          for (const target of params.route(own)) {
            const local = target - first;
            if (local < 0 || local >= open.length) continue;
            const output = open[local];
            output.pending.push(entry.text);
            output.records++;
            increment(output.labelSetCounts, scan.labelSets.of[own]);
            increment(output.auSetCounts, scan.auSets.of[own]);
          }
        }
        for (const output of open) await flush(output);
      }
    }
    if (item !== scan.read || ordinal !== scan.accepted) throw changedWhileReading(scan.files.join(", "));
    for (const output of open) await output.writer.close();
  } catch (err) {
    await Promise.all(open.map((o) => o.writer.abort()));
    throw err;
  }
  progress.finish();
  return open.map((o, i) => ({
    path: paths[i],
    records: o.records,
    bytes: o.bytes,
    sha256: o.hash.digest("hex"),
    labels: expandCounts(o.labelSetCounts, scan.labelSets.values, "labels"),
    AUs: expandCounts(o.auSetCounts, scan.auSets.values, "AUs"),
  }));
}

/**
 * Writes the lines gathered for one output from one input batch in a single call: many
 * small writes cost far more than the copying. (JsonlWriter's own count then counts
 * calls, not lines; `records` is the count that matters.)
 */
async function flush(output: OpenOutput): Promise<void> {
  if (output.pending.length === 0) return;
  const text = output.pending.join("\n");
  output.pending = [];
  output.hash.update(text);
  output.hash.update("\n");
  output.bytes += Buffer.byteLength(text) + 1;
  await output.writer.writeLine(text);
}

function increment(counts: Map<number, number>, id: number): void {
  counts.set(id, (counts.get(id) ?? 0) + 1);
}

/**
 * The key of a record's distinct labels: `1<label>` for the usual single label (no
 * allocation), else `J` + the JSON array. Exact for any strings; `setValues` decodes it.
 */
function labelSetKey(labels: readonly string[]): string {
  return labels.length === 1 ? `1${labels[0]}` : `J${JSON.stringify([...new Set(labels)])}`;
}

/** AU tokens of accepted records match `AU<n>` (never a comma), so a comma list is exact. */
function auSetKey(aus: readonly string[]): string {
  for (let i = 1; i < aus.length; i++) for (let j = 0; j < i; j++) if (aus[i] === aus[j]) return [...new Set(aus)].join(",");
  return aus.join(",");
}

function setValues(key: string, kind: "labels" | "AUs"): string[] {
  if (kind === "AUs") return key === "" ? [] : key.split(",");
  return key[0] === "1" ? [key.slice(1)] : (JSON.parse(key.slice(1)) as string[]);
}

/** Per-set counts to per-value counts, keys sorted. */
function expandCounts(counts: Map<number, number>, sets: readonly string[], kind: "labels" | "AUs"): Record<string, number> {
  const totals = new Map<string, number>();
  for (const [id, n] of counts) for (const value of setValues(sets[id], kind)) totals.set(value, (totals.get(value) ?? 0) + n);
  const out: Record<string, number> = {};
  for (const key of [...totals.keys()].sort()) out[key] = totals.get(key)!;
  return out;
}

/** Sums histograms of several outputs (e.g. all shards = the whole input). */
export function mergeHistograms(parts: readonly Histograms[]): Histograms {
  const total: Histograms = { labels: {}, AUs: {} };
  for (const part of parts) {
    for (const [label, n] of Object.entries(part.labels)) total.labels[label] = (total.labels[label] ?? 0) + n;
    for (const [au, n] of Object.entries(part.AUs)) total.AUs[au] = (total.AUs[au] ?? 0) + n;
  }
  return total;
}

/**
 * A reader of a field by dotted path (`meta_info.subject`); numbers and booleans become
 * strings. Objects, arrays, null, empty strings and missing values give no key.
 */
export function fieldKeyReader(path: string): (sample: Sample) => KeyResult {
  const parts = path.split(".");
  return (sample) => {
    let value: unknown = sample;
    for (const part of parts) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        value = undefined;
        break;
      }
      value = (value as Record<string, unknown>)[part];
    }
    if (typeof value === "string" && value !== "") return { key: value };
    if (typeof value === "number" || typeof value === "boolean") return { key: String(value) };
    const found = value === undefined ? "missing" : value === "" ? "empty" : `a ${Array.isArray(value) ? "list" : value === null ? "null" : typeof value}`;
    return { problem: { field: path, message: `${found}, expected a string or number` } };
  };
}

function assertOutputsAreNotInputs(files: readonly string[], outputs: readonly string[]): void {
  const inputs = new Set(files.map((f) => resolve(f)));
  for (const output of outputs) {
    if (inputs.has(resolve(output))) throw invalidInput("output would overwrite an input file; choose another --out", { file: output });
  }
}

function changedWhileReading(file: string, line?: number) {
  return failure("input changed while it was being read; rerun on a file nobody is writing", { file, line });
}

function grow<T extends Uint8Array | Uint32Array>(array: T): T {
  const next = new (array.constructor as new (n: number) => T)(Math.max(1024, array.length * 2));
  next.set(array);
  return next;
}
