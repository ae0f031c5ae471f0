import { join, posix } from "node:path";
import { runOutputPath } from "../launch/job-files.js";
import { readBundle } from "../launch/launch.js";
import { loadRun } from "../launch/registry.js";
import { pullRun } from "../runs/pull.js";
import { planRun } from "../trainer/bundle/plan.js";
import { failure, invalidInput } from "../util/errors.js";
import { resolveFromLoop } from "./config-file.js";
import type { LoopContext } from "./context.js";
import { startJobOnce, waitForRun } from "./jobs.js";
import { writeRoundConfig } from "./round-config.js";
import { roundDir, type RoundState } from "./state.js";

/**
 * The training half of a round: plan the round's run config into `rounds/<k>/bundle`, launch
 * it (once, across kills), wait for it, and pull its last checkpoint into `rounds/<k>/pulled`.
 */
export async function trainRound(ctx: LoopContext, round: RoundState, previous: RoundState | undefined, options: { retryFailed?: boolean }): Promise<void> {
  const { config } = ctx.loaded;
  const dir = roundDir(ctx.loaded.out, round.round);
  if (round.train && round.train.state !== "succeeded" && options.retryFailed) {
    ctx.say(`round ${round.round}: training run ${round.launch?.run_id} ${round.train.state}; planning and launching it again (--retry-failed)`);
    delete round.plan;
    delete round.launch;
    delete round.train;
  }

  if (!round.plan) {
    const model = config.train.model_from === "previous" && previous?.pull ? previous.pull.remote_checkpoint : undefined;
    const runConfig = await writeRoundConfig({
      template: resolveFromLoop(ctx.loaded, config.train.config),
      round: round.round,
      data: round.data,
      images: resolveFromLoop(ctx.loaded, config.data.images),
      model,
      out: dir,
    });
    const bundle = join(dir, "bundle");
    const planned = await planRun({ config: runConfig, out: bundle, onProblem: ctx.onProblem });
    if (!planned.written) throw invalidInput(`round ${round.round}: preflight found ${planned.preflight.errors} error(s) in ${runConfig} (listed above); nothing was launched`);
    ctx.say(`round ${round.round}: planned ${bundle} (${planned.shards.map((s) => `${s.counts.written} records`).join(", ")})`);
    await ctx.store.done(round, "plan", { bundle, config: runConfig });
  }

  if (!round.train) {
    const bundle = await readBundle(round.plan!.bundle);
    const { record, reused } = await startJobOnce({
      previous: round.launch,
      bundle,
      config: config.launch,
      remember: (job) => ctx.store.done(round, "launch", job),
    });
    ctx.say(`round ${round.round}: ${reused ? "following" : "launched"} training run ${record.id} (${record.backend})`);
    const status = await waitForRun({
      record,
      intervalMs: config.train.poll_interval_s * 1000,
      signal: ctx.signal,
      onStatus: (s) => ctx.say(`round ${round.round}: training run ${record.id}: ${s.state}`),
    });
    await ctx.store.done(round, "train", { state: status.state, exit_code: status.exitCode });
  }
  const trained = round.train!;
  if (trained.state !== "succeeded") {
    throw failure(`round ${round.round}: training run ${round.launch?.run_id} ${trained.state}; see facial-r1 logs ${round.launch?.run_id}, then rerun with --retry-failed to launch it again`);
  }

  if (!round.pull) {
    const record = await loadRun(round.launch!.run_id);
    const out = join(dir, "pulled");
    const report = await pullRun({ record, out, checkpoints: "last" });
    const pulled = report.checkpoints.filter((c) => c.action === "fetched" || c.action === "already-pulled").pop();
    if (!pulled) throw failure(`round ${round.round}: training run ${record.id} left no complete checkpoint to evaluate (is save_strategy "no"?)`);
    const outputDir = runOutputPath(record);
    ctx.say(`round ${round.round}: pulled ${pulled.name} into ${out}`);
    await ctx.store.done(round, "pull", {
      dir: out,
      checkpoint: pulled.name,
      checkpoint_dir: join(out, "checkpoints", pulled.name),
      remote_checkpoint: posix.join(outputDir, pulled.name),
    });
  }
}
