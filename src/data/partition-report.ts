import { join } from "node:path";
import type { ShardResult } from "./shard.js";
import type { SplitPart, SplitResult } from "./split.js";

/** Human summaries of `data shard` / `data split` (stderr). */

const LISTED_SHARDS = 16;

function countsLine(m: { read: number; written: number; rejected: number; inputs: unknown[] }): string {
  const files = m.inputs.length === 1 ? "1 file" : `${m.inputs.length} files`;
  return `read ${m.read} records from ${files}: ${m.written} written, ${m.rejected} rejected`;
}

/**
 * What `facial-r1 data shard` prints for people: the counts, each shard (the first 16) with its
 * records and hash, and the manifest's path.
 */
export function describeShards(result: ShardResult): string {
  const m = result.manifest;
  const how = [m.stratify ? `stratified by ${m.stratify}` : "", `seed ${m.seed}`].filter(Boolean).join(", ");
  const width = Math.max(...m.shards.map((s) => String(s.records).length));
  const lines = [countsLine(m), `${m.shardCount} shard${m.shardCount === 1 ? "" : "s"} in ${result.out} (${how}):`];
  for (const shard of m.shards.slice(0, LISTED_SHARDS)) {
    lines.push(`  ${shard.file}  ${String(shard.records).padStart(width)} records  sha256 ${shard.sha256.slice(0, 12)}`);
  }
  if (m.shards.length > LISTED_SHARDS) lines.push(`  ... and ${m.shards.length - LISTED_SHARDS} more (all listed in the manifest)`);
  lines.push(`manifest: ${result.manifestPath}`);
  return lines.join("\n");
}

/**
 * What `facial-r1 data split` prints for people: the counts, the groups kept together, each
 * split (or fold) with its records, achieved ratio and file, and the manifest's path.
 */
export function describeSplits(result: SplitResult): string {
  const m = result.manifest;
  const lines = [countsLine(m)];
  if (m.groupBy !== null) lines.push(`${m.groups} groups by ${m.groupBy}; no group is in two ${m.splits ? "splits" : "test folds"}`);
  const describe = (label: string, p: SplitPart, extra = "") =>
    `  ${label.padEnd(12)} ${String(p.records).padStart(8)} records  ratio ${p.ratio.toFixed(4)}${extra}${p.groups === undefined ? "" : `  ${p.groups} group${p.groups === 1 ? "" : "s"}`}  ${join(result.out, p.file)}`;
  for (const split of m.splits ?? []) lines.push(describe(split.name, split, ` (target ${split.targetRatio})`));
  for (const fold of m.folds ?? []) {
    lines.push(describe(`fold ${fold.fold} train`, fold.train), describe(`fold ${fold.fold} test`, fold.test));
  }
  lines.push(`manifest: ${result.manifestPath}`);
  return lines.join("\n");
}
