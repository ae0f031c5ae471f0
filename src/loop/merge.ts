import { existsSync } from "node:fs";
import { join } from "node:path";
import { JsonlWriter, readJsonl } from "../data/jsonl.js";
import { mergeJsonl } from "../data/merge.js";
import { failuresFileOf } from "../eval/resumable-run.js";
import { SampleSchema } from "../schema/sample.js";
import type { SynthInfo } from "../synth/synth-record.js";
import { resolveFromLoop } from "./config-file.js";
import { evalFingerprints, leaks } from "./select.js";
import type { LoopContext } from "./context.js";
import { roundDir, type RoundState } from "./state.js";

/**
 * Splits the round's synthesized records into `accepted.jsonl` (passed the quality check) and
 * `rejected.jsonl` (`{id, reasons, record?}`: failed the check, failed requests, and the pool
 * records excluded as eval leaks or duplicates), then merges the round's training data with the
 * accepted records into data version k+1, `rounds/<k>/dataset/train.jsonl` (`data merge`: one
 * record per id; a conflicting id goes to its rejects file), and checks it against the eval set.
 */
export async function mergeRound(ctx: LoopContext, round: RoundState): Promise<void> {
  if (round.merge) return;
  const dir = roundDir(ctx.loaded.out, round.round);
  const synthDir = join(dir, "synth");
  const accepted = new JsonlWriter(join(synthDir, "accepted.jsonl"));
  const rejected = new JsonlWriter(join(synthDir, "rejected.jsonl"));
  const out = round.synth!.out;
  if (existsSync(out)) {
    for await (const item of readJsonl(out)) {
      if (item.kind !== "value") continue;
      const record = item.value as { id: string | number; is_valid?: boolean; meta_info?: { synth?: SynthInfo } };
      if (record.is_valid === true) await accepted.writeLine(item.text);
      else await rejected.write({ id: record.id, reasons: (record.meta_info?.synth?.kept_output_problems ?? ["no attempt passed"]).map((p) => `quality check: ${p}`), record });
    }
  }
  for (const file of [failuresFileOf(out), join(synthDir, "excluded.jsonl")]) {
    if (!existsSync(file)) continue;
    for await (const item of readJsonl(file)) {
      if (item.kind !== "value") continue;
      const value = item.value as { id: string | number; error?: string; reasons?: string[]; record?: unknown };
      await rejected.write({ id: value.id, reasons: value.reasons ?? [`request failed: ${value.error}`], ...(value.record ? { record: value.record } : {}) });
    }
  }
  await accepted.close();
  await rejected.close();

  const dataset = join(dir, "dataset", "train.jsonl");
  const merged = await mergeJsonl({ files: [round.data, accepted.path], out: dataset, rejects: join(dir, "dataset", "merge.rejects.jsonl"), onProblem: ctx.onProblem });
  const leaked = await leakageCheck(ctx, dataset);
  ctx.say(
    `round ${round.round}: ${accepted.count} accepted, ${rejected.count} rejected (${rejected.path}); data version ${round.round + 1}: ${merged.written} records` +
      (merged.duplicates + merged.conflicts > 0 ? ` (${merged.duplicates} duplicates dropped, ${merged.conflicts} conflicting ids rejected)` : ""),
  );
  await ctx.store.done(round, "merge", { dataset, records: merged.written, accepted: accepted.count, rejected: rejected.count, leaks: leaked });
}

/**
 * The merged data against the eval set: synthesized records were checked before synthesis, so
 * a leak here comes from the training data the loop started from. Each is reported (the loop
 * does not drop a user's records) and the count goes into the state and the manifest.
 */
async function leakageCheck(ctx: LoopContext, dataset: string): Promise<number> {
  const evalSet = await evalFingerprints(ctx);
  const images = resolveFromLoop(ctx.loaded, ctx.loaded.config.data.images);
  let count = 0;
  for await (const item of readJsonl(dataset)) {
    const parsed = item.kind === "value" ? SampleSchema.safeParse(item.value) : undefined;
    if (!parsed?.success) continue;
    const reasons = await leaks(parsed.data, images, evalSet);
    if (reasons.length === 0) continue;
    count++;
    ctx.onProblem({ severity: "warning", file: dataset, line: item.line, field: "id", message: `${reasons.join("; ")} (training data that shares the eval set inflates the eval scores)` });
  }
  return count;
}
