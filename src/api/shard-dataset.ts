import { z } from "zod";
import { shardFiles, type ShardResult } from "../data/shard.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { ShardResult };
export { describeShards } from "../data/partition-report.js";

/** Options of {@link shardDataset}: give exactly one of `shardSize` and `shards`. */
export interface ShardDatasetOptions extends RunOptions, ProblemOptions {
  files: string[];
  /** Output folder for shard-NNNNN-of-KKKKK.jsonl and manifest.json. */
  out: string;
  /** At most this many records per shard. */
  shardSize?: number;
  /** Exactly this many shards. */
  shards?: number;
  /** Seed of the random assignment (default 42). */
  seed?: number;
  /** `labels` (by labels[0]) or a dotted field such as `dataset`. */
  stratify?: string;
  /** Write empty outputs when no valid record is read (otherwise InvalidInputError, outputs untouched). */
  allowEmpty?: boolean;
}

const Schema = z
  .strictObject({
    files: z.array(z.string().min(1)).min(1),
    out: z.string().min(1),
    shardSize: z.number().int().positive().optional(),
    shards: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().default(42),
    stratify: z.string().min(1).optional(),
    allowEmpty: z.boolean().optional(),
    ...RUN_FIELDS,
    ...PROBLEM_FIELDS,
  })
  .refine((o) => (o.shardSize === undefined) !== (o.shards === undefined), { message: "give exactly one of shardSize or shards" });
sameShape<z.input<typeof Schema>, ShardDatasetOptions>(true);

/** Deterministic, optionally stratified shards of JSONL files, with a manifest of their hashes and histograms. */
export async function shardDataset(options: ShardDatasetOptions): Promise<ShardResult> {
  const o = parseOptions("shardDataset", Schema, options);
  return runWith(o, () =>
    shardFiles({ files: o.files, out: o.out, shardSize: o.shardSize, shards: o.shards, seed: o.seed, stratify: o.stratify, allowEmpty: o.allowEmpty, onProblem: o.onProblem }),
  );
}
