import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { readJsonl } from "../data/jsonl.js";
import { hashTree } from "../trainer/bundle/plan.js";
import { sha256File, stableStringify, writeFileAtomic } from "../util/fs.js";
import { VERSION } from "../version.js";
import type { LoopContext } from "./context.js";
import { roundDir, type RoundState } from "./state.js";

export const ROUND_MANIFEST_FORMAT = "facial-r1-loop-round/1";

interface HashedRecords {
  path: string;
  sha256: string;
  bytes: number;
  records: number;
}

/**
 * `rounds/<k>/manifest.json`: what the round came from and what it made, by content hash:
 * the parent data (version k), the round's run config and bundle, the model (every file of the
 * pulled checkpoint), the eval result, the selected, accepted and rejected records (with the
 * count of each rejection reason), and the new data version k+1. Paths are relative to the
 * loop's output folder.
 */
export async function writeRoundManifest(ctx: LoopContext, round: RoundState): Promise<string> {
  const out = ctx.loaded.out;
  const dir = roundDir(out, round.round);
  const synth = join(dir, "synth");
  const rejected = join(synth, "rejected.jsonl");
  const manifest = {
    format: ROUND_MANIFEST_FORMAT,
    tool: { name: "facial-r1", version: VERSION },
    loop: ctx.loaded.config.name,
    round: round.round,
    parent_data: { version: round.round, ...(await hashedRecords(out, round.data)) },
    config: round.plan ? { run_config: await hashed(out, round.plan.config), bundle_manifest: await hashed(out, join(round.plan.bundle, "manifest.json")) } : undefined,
    model: round.pull
      ? {
          run_id: round.launch?.run_id,
          checkpoint: round.pull.checkpoint,
          remote_path: round.pull.remote_checkpoint,
          files: (await hashTree(round.pull.checkpoint_dir)).filter((f) => !f.path.startsWith(".")),
        }
      : undefined,
    endpoint: round.serve ? { model: round.serve.model, serving_job: round.serve.job?.run_id, url: round.serve.endpoint } : undefined,
    eval: round.eval ? { score: await hashed(out, round.eval.score), metric: ctx.loaded.config.stop.metric, value: round.eval.metric, judge_mean: round.eval.judge_mean } : undefined,
    synthesized: round.merge
      ? {
          selection: await hashedRecords(out, join(synth, "selection.jsonl")),
          output: await hashedRecords(out, round.synth!.out),
          accepted: await hashedRecords(out, join(synth, "accepted.jsonl")),
          rejected: { ...(await hashedRecords(out, rejected)), reasons: await reasonCounts(rejected) },
        }
      : undefined,
    dataset: round.merge ? { version: round.round + 1, ...(await hashedRecords(out, round.merge.dataset)), eval_leaks: round.merge.leaks } : undefined,
    stopped: round.stopped,
  };
  const file = join(dir, "manifest.json");
  await writeFileAtomic(file, `${stableStringify(manifest)}\n`);
  return file;
}

async function hashed(out: string, path: string): Promise<{ path: string; sha256: string; bytes: number }> {
  return { path: label(out, path), sha256: await sha256File(path), bytes: (await stat(path)).size };
}

/** Hash, size and line count of a JSONL file, in one streaming pass. */
export async function hashedRecords(out: string, path: string): Promise<HashedRecords> {
  if (!existsSync(path)) return { path: label(out, path), sha256: "", bytes: 0, records: 0 };
  const hash = createHash("sha256");
  let bytes = 0;
  let records = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
    last = chunk[chunk.length - 1];
  }
  return { path: label(out, path), sha256: hash.digest("hex"), bytes, records: records + (last !== 10 ? 1 : 0) };
}

function label(out: string, path: string): string {
  const rel = relative(out, path);
  return rel.startsWith("..") ? path : rel;
}

/** How many rejected records carry each kind of reason ("quality check", "leak", ...). */
async function reasonCounts(file: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (!existsSync(file)) return counts;
  for await (const item of readJsonl(file)) {
    if (item.kind !== "value") continue;
    const kinds = new Set(((item.value as { reasons?: string[] }).reasons ?? []).map((r) => r.split(":")[0]));
    for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
