import { join } from "node:path";
import { invalidInput, type Problem } from "../util/errors.js";
import { stableStringify, writeFileAtomic } from "../util/fs.js";
import { assertOutputFolder } from "../util/output-target.js";
import { SeededRandom } from "./seeded-random.js";
import { sortedKeyIds } from "./shard.js";
import { refuseEmptyInput } from "./empty-input.js";
import { fieldKeyReader, scanRecords, writePartition, type Histograms, type InputCounts, type OutputSummary, type ScanResult } from "./partition.js";

export const SPLIT_MANIFEST = "manifest.json";
export const SPLIT_FORMAT = "facial-r1-splits/1";
/** Group keys are listed in the manifest when there are at most this many groups. */
export const MAX_LISTED_GROUPS = 1000;

export interface SplitParams {
  files: string[];
  out: string;
  /** Two (train, test) or three (train, val, test) fractions summing to 1. */
  ratios?: number[];
  /** k-fold cross-validation instead of ratios. */
  folds?: number;
  /** Dotted field path; records sharing its value never land in different splits / test folds. */
  groupBy?: string;
  seed: number;
  onProblem?: (problem: Problem) => void;
  /** Write (empty) outputs even when no valid record was read; otherwise that is an error. */
  allowEmpty?: boolean;
  /** Progress lines on stderr (default true). */
  progress?: boolean;
}

export interface SplitPart extends Histograms {
  file: string;
  records: number;
  bytes: number;
  sha256: string;
  /** Fraction of the written records, rounded to 4 decimals. */
  ratio: number;
  groups?: number;
  groupKeys?: string[];
}

export interface SplitEntry extends SplitPart {
  name: string;
  targetRatio: number;
  targetRecords: number;
}

export interface FoldEntry {
  fold: number;
  train: SplitPart;
  test: SplitPart;
}

export interface SplitManifest {
  format: typeof SPLIT_FORMAT;
  seed: number;
  groupBy: string | null;
  ratios: number[] | null;
  foldCount: number | null;
  inputs: InputCounts[];
  read: number;
  written: number;
  rejected: number;
  groups: number | null;
  splits?: SplitEntry[];
  folds?: FoldEntry[];
}

export interface SplitResult {
  out: string;
  manifestPath: string;
  manifest: SplitManifest;
}

/** Parses `0.8,0.1,0.1` (train, val, test) or `0.9,0.1` (train, test). */
export function splitNames(count: number): string[] {
  return count === 3 ? ["train", "val", "test"] : ["train", "test"];
}

/**
 * Exact record counts for `ratios` of `total` (largest remainder): each split gets the
 * floor of its share, and the records left over go one each to the splits with the
 * largest fractional parts (earlier splits first on ties). The counts add up to `total`.
 */
export function apportion(total: number, ratios: readonly number[]): number[] {
  const shares = ratios.map((r) => Math.round(r * total * 1e6) / 1e6);
  const counts = shares.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = shares.map((s, i) => i).sort((a, b) => shares[b] - counts[b] - (shares[a] - counts[a]) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length) {
    if (ratios[byRemainder[k]] === 0) continue;
    counts[byRemainder[k]]++;
    left--;
  }
  return counts;
}

/**
 * Splits the valid records of `files` into train/val/test (`ratios`) or into k folds,
 * deterministically (same inputs, options and seed = same bytes). Without `groupBy`, a
 * seeded shuffle of the records is cut at the exact counts of `apportion`. With `groupBy`,
 * whole groups are assigned: groups (sorted by key, then shuffled) go one by one to the
 * split furthest below its target record count (relative to it), so no group crosses splits and the
 * achieved ratios (reported) are as close as the group sizes allow. Folds: groups (or
 * records) go to the fold with the fewest records; fold k's test set is fold k, its train
 * set is every other fold.
 */
export async function splitFiles(params: SplitParams): Promise<SplitResult> {
  if ((params.ratios === undefined) === (params.folds === undefined)) throw invalidInput("give exactly one of --ratios and --folds");
  if (params.folds !== undefined && (!Number.isInteger(params.folds) || params.folds < 2 || params.folds > 100)) {
    throw invalidInput(`--folds must be an integer from 2 to 100, got ${params.folds}`);
  }
  if (params.files.length === 0) throw invalidInput("no input files");
  await assertOutputFolder(params.out);
  const groupBy = params.groupBy;
  const scan = await scanRecords({
    files: params.files,
    keyOf: groupBy === undefined ? undefined : fieldKeyReader(groupBy),
    onProblem: params.onProblem,
    progressLabel: "split: reading",
    progress: params.progress,
  });
  refuseEmptyInput({ records: scan.accepted, read: scan.read, files: params.files, allowEmpty: params.allowEmpty });
  const random = new SeededRandom(params.seed);
  const base = {
    format: SPLIT_FORMAT,
    seed: params.seed,
    groupBy: groupBy ?? null,
    ratios: params.ratios ?? null,
    foldCount: params.folds ?? null,
    inputs: scan.inputs,
    read: scan.read,
    written: scan.accepted,
    rejected: scan.rejected,
    groups: groupBy === undefined ? null : scan.keys.values.length,
  } as const;
  const manifest: SplitManifest =
    params.ratios !== undefined
      ? { ...base, splits: await writeRatioSplits(params, params.ratios, scan, random) }
      : { ...base, folds: await writeFolds(params, params.folds!, scan, random) };
  const manifestPath = join(params.out, SPLIT_MANIFEST);
  await writeFileAtomic(manifestPath, `${stableStringify(manifest)}\n`);
  return { out: params.out, manifestPath, manifest };
}

async function writeRatioSplits(params: SplitParams, ratios: number[], scan: ScanResult, random: SeededRandom): Promise<SplitEntry[]> {
  const names = splitNames(ratios.length);
  const targets = apportion(scan.accepted, ratios);
  const grouped = params.groupBy !== undefined;
  const partOf = grouped ? assignGroupsToTargets(scan, targets, random) : assignRecordsToCounts(targets, random);
  const routes = names.map((_, i) => [i] as const);
  const summaries = await writePartition({
    scan,
    outputs: names.map((name) => join(params.out, `${name}.jsonl`)),
    route: grouped ? (ordinal) => routes[partOf[scan.keys.of[ordinal]]] : (ordinal) => routes[partOf[ordinal]],
    progressLabel: "split: writing",
    progress: params.progress,
  });
  return names.map((name, i) => ({
    name,
    targetRatio: ratios[i],
    targetRecords: targets[i],
    ...part(summaries[i], `${name}.jsonl`, scan, grouped ? groupsOf(scan, partOf, i) : undefined),
  }));
}

async function writeFolds(params: SplitParams, folds: number, scan: ScanResult, random: SeededRandom): Promise<FoldEntry[]> {
  const grouped = params.groupBy !== undefined;
  const foldOf = grouped ? assignGroupsToFolds(scan, folds, random) : assignRecordsToCounts(apportion(scan.accepted, new Array(folds).fill(1 / folds)), random);
  // Output 2f is fold f's train set, 2f+1 its test set; a record of fold f is in test f and in every other train.
  const routes = Array.from({ length: folds }, (_, f) => [2 * f + 1, ...Array.from({ length: folds }, (_, g) => 2 * g).filter((o) => o !== 2 * f)]);
  const files = Array.from({ length: folds }, (_, f) => [`fold-${f + 1}/train.jsonl`, `fold-${f + 1}/test.jsonl`]).flat();
  const summaries = await writePartition({
    scan,
    outputs: files.map((file) => join(params.out, file)),
    route: grouped ? (ordinal) => routes[foldOf[scan.keys.of[ordinal]]] : (ordinal) => routes[foldOf[ordinal]],
    progressLabel: "split: writing folds",
    progress: params.progress,
  });
  return Array.from({ length: folds }, (_, f) => ({
    fold: f + 1,
    train: part(summaries[2 * f], files[2 * f], scan, grouped ? groupsOf(scan, foldOf, f, true) : undefined),
    test: part(summaries[2 * f + 1], files[2 * f + 1], scan, grouped ? groupsOf(scan, foldOf, f) : undefined),
  }));
}

function part(summary: OutputSummary, file: string, scan: ScanResult, groups: string[] | undefined): SplitPart {
  return {
    file,
    records: summary.records,
    bytes: summary.bytes,
    sha256: summary.sha256,
    ratio: scan.accepted === 0 ? 0 : round4(summary.records / scan.accepted),
    labels: summary.labels,
    AUs: summary.AUs,
    ...(groups === undefined ? {} : { groups: groups.length, ...(scan.keys.values.length <= MAX_LISTED_GROUPS ? { groupKeys: groups } : {}) }),
  };
}

/** Sorted keys of the groups assigned to `index` (or, with `invert`, to any other index). */
function groupsOf(scan: ScanResult, partOf: ArrayLike<number>, index: number, invert = false): string[] {
  return scan.keys.values.filter((_, id) => (partOf[id] === index) !== invert).sort();
}

/** A seeded shuffle of `counts[0]` zeros, `counts[1]` ones, ...: the part of each record. */
function assignRecordsToCounts(counts: readonly number[], random: SeededRandom): Uint8Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const partOf = new Uint8Array(total);
  let offset = 0;
  counts.forEach((n, i) => {
    partOf.fill(i, offset, offset + n);
    offset += n;
  });
  return random.shuffle(partOf);
}

/** Groups in sorted key order, then shuffled: independent of the order records arrive in. */
function shuffledGroups(scan: ScanResult, random: SeededRandom): { order: number[]; sizes: number[] } {
  const sizes = new Array<number>(scan.keys.values.length).fill(0);
  for (let i = 0; i < scan.keys.of.length; i++) sizes[scan.keys.of[i]]++;
  return { order: random.shuffle(sortedKeyIds(scan.keys.values)), sizes };
}

/**
 * Each group goes to the split furthest below its target in proportion to it, i.e. with the
 * largest (target - filled) / target (ties: earlier split); splits with target 0 get none.
 */
function assignGroupsToTargets(scan: ScanResult, targets: readonly number[], random: SeededRandom): Uint8Array {
  const { order, sizes } = shuffledGroups(scan, random);
  const partOf = new Uint8Array(scan.keys.values.length);
  const filled = targets.map(() => 0);
  const open = targets.map((t, i) => i).filter((i) => targets[i] > 0);
  for (const group of order) {
    let best = open[0];
    const need = (i: number) => (targets[i] - filled[i]) / targets[i];
    for (const i of open) if (need(i) > need(best)) best = i;
    partOf[group] = best;
    filled[best] += sizes[group];
  }
  return partOf;
}

/** Each group goes to the fold holding the fewest records so far (ties: lower fold). */
function assignGroupsToFolds(scan: ScanResult, folds: number, random: SeededRandom): Uint8Array {
  const { order, sizes } = shuffledGroups(scan, random);
  const foldOf = new Uint8Array(scan.keys.values.length);
  const filled = new Array<number>(folds).fill(0);
  for (const group of order) {
    let best = 0;
    for (let f = 1; f < folds; f++) if (filled[f] < filled[best]) best = f;
    foldOf[group] = best;
    filled[best] += sizes[group];
  }
  return foldOf;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
