import { join } from "node:path";
import { runSynthesis } from "../synth/run.js";
import { failure } from "../util/errors.js";
import { resolveFromLoop } from "./config-file.js";
import type { LoopContext } from "./context.js";
import { endpointClient } from "./evaluate.js";
import { roundDir, type RoundState } from "./state.js";

/**
 * Stage-3 synthesis of the round's selection with the round's model (`facial-r1 synth`, with
 * its quality check and corrections) into `rounds/<k>/synth/out.jsonl`. The synth runner
 * appends each record when it is done and skips the done ones on a rerun, so a kill costs at
 * most the records in flight.
 */
export async function synthesizeRound(ctx: LoopContext, round: RoundState, served: { endpoint: string; model: string }): Promise<void> {
  if (round.synth) return;
  const { requests, data } = ctx.loaded.config;
  const out = join(roundDir(ctx.loaded.out, round.round), "synth", "out.jsonl");
  const summary = await runSynthesis({
    dataset: round.select!.selection,
    images: resolveFromLoop(ctx.loaded, data.images),
    out,
    client: await endpointClient(ctx, served.endpoint),
    model: served.model,
    variant: requests.prompt,
    retries: requests.corrections,
    concurrency: requests.concurrency,
    maxTokens: requests.max_tokens,
    onProblem: ctx.onProblem,
    signal: ctx.signal,
  });
  if (summary.aborted) throw failure(`round ${round.round}: synth stopped: ${summary.aborted}; rerun to continue`);
  const written = summary.written.total + summary.skipped;
  ctx.say(`round ${round.round}: synth: ${summary.written.total} written now, ${summary.skipped} before, ${summary.written.invalid} failed the quality check, ${summary.failed} failed requests`);
  await ctx.store.done(round, "synth", { out, written, failed: summary.failed });
}
