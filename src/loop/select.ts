import { existsSync } from "node:fs";
import { join } from "node:path";
import { resolveInside } from "../data/images.js";
import { JsonlWriter, readJsonl } from "../data/jsonl.js";
import { imagesOf, SampleSchema, type Sample } from "../schema/sample.js";
import { sha256File } from "../util/fs.js";
import { resolveFromLoop } from "./config-file.js";
import type { LoopContext } from "./context.js";
import { roundDir, type LoopState, type RoundState } from "./state.js";

/**
 * The pool records a round synthesizes: in pool order, those whose id and images no earlier
 * round took and the training data does not hold, up to `pool.per_round` (the others are
 * counted as already used). A record that shares
 * an id or an image (by content) with the eval set, or its id with the training data, is
 * excluded with its reason instead, so it is never paid for nor trained on. Written to
 * `rounds/<k>/synth/selection.jsonl` and `excluded.jsonl` (`{id, reasons, record}`).
 */
export async function selectPoolRecords(ctx: LoopContext, round: RoundState): Promise<void> {
  if (round.select) return;
  const { config } = ctx.loaded;
  const dir = join(roundDir(ctx.loaded.out, round.round), "synth");
  const images = resolveFromLoop(ctx.loaded, config.data.images);
  const used = await usedKeys(ctx, round);
  const evalSet = await evalFingerprints(ctx);

  const selection = new JsonlWriter(join(dir, "selection.jsonl"));
  const excluded = new JsonlWriter(join(dir, "excluded.jsonl"));
  let selected = 0;
  let alreadyUsed = 0;
  for await (const item of readJsonl(resolveFromLoop(ctx.loaded, config.pool.file))) {
    if (config.pool.per_round !== undefined && selected >= config.pool.per_round) break;
    if (item.kind === "unreadable") {
      ctx.onProblem(item.problem);
      continue;
    }
    const parsed = SampleSchema.safeParse(item.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      ctx.onProblem({ file: item.file, line: item.line, field: issue.path.join(".") || undefined, message: `${issue.message} (pool record skipped)` });
      continue;
    }
    const record = parsed.data;
    if (used.ids.has(String(record.id)) || imagesOf(record).some((image) => used.images.has(image))) {
      alreadyUsed++;
      continue;
    }
    const reasons = [...(used.trainingIds.has(String(record.id)) ? [`duplicate: id ${JSON.stringify(record.id)} is in the training data`] : []), ...(await leaks(record, images, evalSet))];
    if (reasons.length > 0) {
      await excluded.write({ id: record.id, reasons, record });
      continue;
    }
    await selection.writeLine(item.text);
    selected++;
  }
  await selection.close();
  await excluded.close();
  ctx.say(
    `round ${round.round}: selected ${selected} pool records, ${alreadyUsed} already used` +
      (excluded.count ? `, excluded ${excluded.count} (eval leak or duplicate, see ${excluded.path})` : ""),
  );
  await ctx.store.done(round, "select", { selection: selection.path, excluded: excluded.count, selected, already_used: alreadyUsed });
}

interface Used {
  /**
   * Ids taken by earlier rounds (selected or excluded), images of the records earlier rounds
   * synthesized or this round trains on. An excluded record's images stay free: it was left
   * out for its id, or for an image the leak check refuses anyway.
   */
  ids: Set<string>;
  images: Set<string>;
  trainingIds: Set<string>;
}

async function usedKeys(ctx: LoopContext, round: RoundState): Promise<Used> {
  const used: Used = { ids: new Set(), images: new Set(), trainingIds: new Set() };
  const take = (record: Pick<Sample, "id" | "image">) => {
    used.ids.add(String(record.id));
    for (const image of imagesOf(record)) used.images.add(image);
  };
  for await (const item of readJsonl(round.data)) {
    const parsed = item.kind === "value" ? SampleSchema.safeParse(item.value) : undefined;
    if (!parsed?.success) continue;
    used.trainingIds.add(String(parsed.data.id));
    for (const image of imagesOf(parsed.data)) used.images.add(image);
  }
  for (const earlier of (ctx.store.state as LoopState).rounds.filter((r) => r.round < round.round)) {
    const dir = join(roundDir(ctx.loaded.out, earlier.round), "synth");
    for (const file of ["selection.jsonl", "excluded.jsonl"]) {
      if (!existsSync(join(dir, file))) continue;
      for await (const item of readJsonl(join(dir, file))) {
        if (item.kind !== "value") continue;
        const value = item.value as Sample & { record?: Sample };
        if (value.record) used.ids.add(String(value.id));
        else take(value);
      }
    }
  }
  return used;
}

export interface EvalFingerprints {
  ids: Set<string>;
  /** sha256 of each eval image → the id of the first eval record showing it. */
  images: Map<string, string>;
}

/** Ids and image content hashes of the eval set, which no training record may share. */
export async function evalFingerprints(ctx: LoopContext): Promise<EvalFingerprints> {
  const { config } = ctx.loaded;
  const folder = resolveFromLoop(ctx.loaded, config.eval.images);
  const out: EvalFingerprints = { ids: new Set(), images: new Map() };
  for await (const item of readJsonl(resolveFromLoop(ctx.loaded, config.eval.file))) {
    const parsed = item.kind === "value" ? SampleSchema.safeParse(item.value) : undefined;
    if (!parsed?.success) continue;
    out.ids.add(String(parsed.data.id));
    for (const image of imagesOf(parsed.data)) {
      const hash = await hashImage(folder, image);
      if (hash && !out.images.has(hash)) out.images.set(hash, String(parsed.data.id));
    }
  }
  return out;
}

/** Why a record leaks the eval set (its id, or an image with the content of an eval image); empty when it does not. */
export async function leaks(record: Sample, folder: string, evalSet: EvalFingerprints): Promise<string[]> {
  const reasons: string[] = [];
  if (evalSet.ids.has(String(record.id))) reasons.push(`leak: id ${JSON.stringify(record.id)} is in the eval set`);
  for (const image of imagesOf(record)) {
    const hash = await hashImage(folder, image);
    const evalId = hash ? evalSet.images.get(hash) : undefined;
    if (evalId !== undefined) reasons.push(`leak: image ${image} is the image of eval record ${JSON.stringify(evalId)}`);
  }
  return reasons;
}

/** The content hash of an image, or undefined when it cannot be read (synthesis reports that). */
async function hashImage(folder: string, image: string): Promise<string | undefined> {
  try {
    return await sha256File(resolveInside(folder, image));
  } catch {
    return undefined;
  }
}
