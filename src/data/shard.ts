import { join } from "node:path";
import { invalidInput, type Problem } from "../util/errors.js";
import { stableStringify, writeFileAtomic } from "../util/fs.js";
import { assertOutputFolder } from "../util/output-target.js";
import type { Sample } from "../schema/sample.js";
import { SeededRandom } from "./seeded-random.js";
import { refuseEmptyInput } from "./empty-input.js";
import {
  fieldKeyReader,
  mergeHistograms,
  scanRecords,
  writePartition,
  type Histograms,
  type InputCounts,
  type KeyResult,
  type ScanResult,
} from "./partition.js";

export const SHARD_MANIFEST = "manifest.json";
export const SHARD_FORMAT = "facial-r1-shards/1";
export const MAX_SHARDS = 100_000;

export interface ShardParams {
  files: string[];
  out: string;
  /** At most this many records per shard; the shard count is ceil(records / shardSize). */
  shardSize?: number;
  /** Exactly this many shards. */
  shards?: number;
  seed: number;
  /** `labels` (stratum = labels[0]) or a dotted field path; records without it form one stratum. */
  stratify?: string;
  onProblem?: (problem: Problem) => void;
  /** Write (empty) outputs even when no valid record was read; otherwise that is an error. */
  allowEmpty?: boolean;
  /** Progress lines on stderr (default true). */
  progress?: boolean;
}

export interface ShardEntry extends Histograms {
  file: string;
  records: number;
  bytes: number;
  sha256: string;
}

export interface ShardManifest {
  format: typeof SHARD_FORMAT;
  seed: number;
  stratify: string | null;
  shardSize: number | null;
  shardCount: number;
  inputs: InputCounts[];
  read: number;
  written: number;
  rejected: number;
  shards: ShardEntry[];
  totals: Histograms;
}

export interface ShardResult {
  out: string;
  manifestPath: string;
  manifest: ShardManifest;
}

/** `shard-00003-of-00016.jsonl`: zero-padded to 5 digits (more when needed), sorting in order. */
export function shardFileName(index: number, count: number): string {
  const width = Math.max(5, String(count).length);
  return `shard-${String(index).padStart(width, "0")}-of-${String(count).padStart(width, "0")}.jsonl`;
}

/**
 * Splits the valid records of `files` into shards, deterministically: the same inputs,
 * options and seed give the same bytes. Records are assigned at random (seeded) with shard
 * sizes balanced to within one record; with `stratify`, each stratum is dealt round-robin
 * over the shards, so every shard's label mix matches the whole. Within a shard records
 * keep their input order. Writes the shards and `manifest.json` to `out`.
 */
export async function shardFiles(params: ShardParams): Promise<ShardResult> {
  if ((params.shardSize === undefined) === (params.shards === undefined)) {
    throw invalidInput("give exactly one of --shard-size N and --shards K");
  }
  if (params.files.length === 0) throw invalidInput("no input files");
  if (params.shards !== undefined && params.shards > MAX_SHARDS) throw invalidInput(`--shards must be at most ${MAX_SHARDS}, got ${params.shards}`);
  await assertOutputFolder(params.out);
  const stratify = params.stratify;
  const scan = await scanRecords({
    files: params.files,
    keyOf: stratify === undefined ? undefined : stratumKeyReader(stratify),
    onProblem: params.onProblem,
    progressLabel: "shard: reading",
    progress: params.progress,
  });
  refuseEmptyInput({ records: scan.accepted, read: scan.read, files: params.files, allowEmpty: params.allowEmpty });
  const count = params.shards ?? Math.max(1, Math.ceil(scan.accepted / params.shardSize!));
  if (count > MAX_SHARDS) throw invalidInput(`--shard-size ${params.shardSize} would make ${count} shards; the limit is ${MAX_SHARDS}`);
  const shardOf = assignShards(scan, count, new SeededRandom(params.seed));
  const names = Array.from({ length: count }, (_, i) => shardFileName(i, count));
  const routes = names.map((_, i) => [i] as const);
  const summaries = await writePartition({
    scan,
    outputs: names.map((name) => join(params.out, name)),
    route: (ordinal) => routes[shardOf[ordinal]],
    progressLabel: "shard: writing",
    progress: params.progress,
  });
  const shards = summaries.map((s, i) => ({
    file: names[i],
    records: s.records,
    bytes: s.bytes,
    sha256: s.sha256,
    labels: s.labels,
    AUs: s.AUs,
  }));
  const manifest: ShardManifest = {
    format: SHARD_FORMAT,
    seed: params.seed,
    stratify: stratify ?? null,
    shardSize: params.shardSize ?? null,
    shardCount: count,
    inputs: scan.inputs,
    read: scan.read,
    written: scan.accepted,
    rejected: scan.rejected,
    shards,
    totals: mergeHistograms(shards),
  };
  const manifestPath = join(params.out, SHARD_MANIFEST);
  await writeFileAtomic(manifestPath, `${stableStringify(manifest)}\n`);
  return { out: params.out, manifestPath, manifest };
}

/** Stratum of a record: its first label (`labels`) or a field; records without one share the stratum "". */
function stratumKeyReader(stratify: string): (sample: Sample) => KeyResult {
  if (stratify === "labels") return (sample) => ({ key: sample.labels[0] ?? "" });
  const read = fieldKeyReader(stratify);
  return (sample) => {
    const result = read(sample);
    return "key" in result ? result : { key: "" };
  };
}

/**
 * The shard of each valid record (by ordinal). Records are grouped by stratum (strata in
 * sorted key order, one stratum when not stratifying), shuffled within each stratum, and
 * the resulting sequence is dealt round-robin: position i goes to shard i mod count.
 */
export function assignShards(scan: Pick<ScanResult, "accepted" | "keys">, count: number, random: SeededRandom): Uint16Array | Uint32Array {
  const n = scan.accepted;
  const order = groupedOrder(n, scan.keys.values, scan.keys.of);
  const segments = stratumBounds(n, scan.keys.values, scan.keys.of);
  for (let s = 0; s + 1 < segments.length; s++) random.shuffle(order, segments[s], segments[s + 1]);
  const shardOf = count <= 0xffff ? new Uint16Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) shardOf[order[i]] = i % count;
  return shardOf;
}

/** Ordinals 0..n-1 sorted by their key (keys compared as strings), stable within a key. */
function groupedOrder(n: number, keys: readonly string[], keyIds: Uint32Array): Uint32Array {
  const order = new Uint32Array(n);
  if (keys.length <= 1 || keyIds.length === 0) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  const starts = keyStarts(keys, keyIds);
  for (let i = 0; i < n; i++) order[starts[keyIds[i]]++] = i;
  return order;
}

/** Segment boundaries [0, ..., n] of the grouped order. */
function stratumBounds(n: number, keys: readonly string[], keyIds: Uint32Array): number[] {
  if (keys.length <= 1 || keyIds.length === 0) return [0, n];
  const sizes = new Array<number>(keys.length).fill(0);
  for (let i = 0; i < n; i++) sizes[keyIds[i]]++;
  const bounds = [0];
  for (const id of sortedKeyIds(keys)) bounds.push(bounds[bounds.length - 1] + sizes[id]);
  return bounds;
}

/** Start offset of each key's block when keys are laid out in sorted order. */
function keyStarts(keys: readonly string[], keyIds: Uint32Array): number[] {
  const sizes = new Array<number>(keys.length).fill(0);
  for (let i = 0; i < keyIds.length; i++) sizes[keyIds[i]]++;
  const starts = new Array<number>(keys.length).fill(0);
  let offset = 0;
  for (const id of sortedKeyIds(keys)) {
    starts[id] = offset;
    offset += sizes[id];
  }
  return starts;
}

export function sortedKeyIds(keys: readonly string[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
}
