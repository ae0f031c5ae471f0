import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { FacialR1Error, invalidInput, type Problem } from "../util/errors.js";
import { pathExists } from "../util/fs.js";
import { loadLoopConfig, resolveFromLoop, type LoadedLoopConfig } from "./config-file.js";
import type { LoopContext } from "./context.js";
import { evaluateRound, stopReason } from "./evaluate.js";
import { writeRoundManifest } from "./manifest.js";
import { mergeRound } from "./merge.js";
import { checkPushCredentials, pushRound } from "./push.js";
import { writeLoopReport, type LoopReportFiles, type RoundRow } from "./report.js";
import { selectPoolRecords } from "./select.js";
import { serveRound, stopServing } from "./serve.js";
import { StateStore, statePath, type RoundState } from "./state.js";
import { synthesizeRound } from "./synthesize.js";
import { trainRound } from "./train.js";

export interface LoopParams {
  /** The loop config (LOOP.yaml). */
  config: string;
  /** Output folder instead of the config's. */
  out?: string;
  /** Launch a round whose training run failed again, instead of stopping. */
  retryFailed?: boolean;
  say?: (line: string) => void;
  onProblem?: (problem: Problem) => void;
  signal?: AbortSignal;
}

export interface LoopSummary {
  out: string;
  state_file: string;
  rounds: RoundRow[];
  finished: { reason: string } | null;
  report: Omit<LoopReportFiles, "rounds">;
}

/**
 * `facial-r1 loop`: runs the rounds of the stage-3 loop, each one train → eval → synthesize →
 * merge → push → report, recording every step in the state file, so that running it again
 * after a crash, a kill or Ctrl-C continues where it stopped, and raising `stop.rounds`
 * continues with more rounds.
 */
export async function runLoop(params: LoopParams): Promise<LoopSummary> {
  const loaded = await loadLoopConfig(params.config, params.out);
  await checkInputs(loaded);
  await mkdir(loaded.out, { recursive: true });
  const store = await StateStore.open(loaded.out, loaded.config.name);
  const ctx: LoopContext = { loaded, store, say: params.say ?? (() => undefined), onProblem: params.onProblem ?? (() => undefined), signal: params.signal };
  const { stop } = loaded.config;

  delete store.state.finished;
  try {
    await runRounds(ctx, params);
  } catch (err) {
    if (params.signal?.aborted) throw new FacialR1Error("interrupted", "interrupted; run the same command again to continue (launched jobs keep running and are followed again)");
    throw err;
  }
  const last = store.state.rounds[store.state.rounds.length - 1];
  store.state.finished ??= last?.stopped ? { reason: `round ${last.round}: ${last.stopped}` } : { reason: `ran ${stop.rounds} round${stop.rounds === 1 ? "" : "s"} (stop.rounds)` };
  await store.save();
  const { rounds, ...report } = await writeLoopReport(ctx);
  return { out: loaded.out, state_file: statePath(loaded.out), rounds, finished: store.state.finished ?? null, report };
}

/** Round 1 up to `stop.rounds`, each continued where the state says it stopped. */
async function runRounds(ctx: LoopContext, params: LoopParams): Promise<void> {
  const { store, loaded } = ctx;
  for (let k = 1; k <= loaded.config.stop.rounds; k++) {
    const previous = store.round(k - 1);
    if (previous?.stopped) {
      store.state.finished = { reason: `round ${previous.round}: ${previous.stopped}` };
      break;
    }
    let round = store.round(k);
    if (!round) {
      round = { round: k, data: previous ? previous.merge!.dataset : resolveFromLoop(loaded, loaded.config.data.file) };
      store.state.rounds.push(round);
      await store.save();
    }
    await runRound(ctx, round, previous, params);
  }
}

async function runRound(ctx: LoopContext, round: RoundState, previous: RoundState | undefined, params: LoopParams): Promise<void> {
  if (round.report) return;
  await trainRound(ctx, round, previous, { retryFailed: params.retryFailed });
  if (!round.eval || (!round.stopped && !round.synth)) {
    const served = await serveRound(ctx, round);
    try {
      await evaluateRound(ctx, round, served);
      const reason = round.stopped ?? stopReason(ctx, round, previous);
      if (reason && !round.stopped) {
        ctx.say(`round ${round.round}: stopping: ${reason}`);
        await ctx.store.done(round, "stopped", reason);
      }
      if (!round.stopped) {
        await selectPoolRecords(ctx, round);
        await synthesizeRound(ctx, round, served);
      }
    } catch (err) {
      // Interrupted: leave the server up for the rerun; any other failure: free its GPUs.
      if (!ctx.signal?.aborted) await stopServing(ctx, round).catch(() => undefined);
      throw err;
    }
  }
  await stopServing(ctx, round);
  if (!round.stopped) {
    await mergeRound(ctx, round);
    await pushRound(ctx, round);
    if (round.select!.selected === 0) await ctx.store.done(round, "stopped", "the pool has no record left that no earlier round used");
  }
  await writeRoundManifest(ctx, round);
  const report = await writeLoopReport(ctx);
  ctx.say(`round ${round.round}: done; report ${report.html}`);
  await ctx.store.done(round, "report", { html: report.html });
}

/** Fails fast, before any job starts, on inputs that are missing or a token that is not set. */
async function checkInputs(loaded: LoadedLoopConfig): Promise<void> {
  const { config } = loaded;
  const paths: [string, string][] = [
    ["train.config", config.train.config],
    ["data.file", config.data.file],
    ["data.images", config.data.images],
    ["pool.file", config.pool.file],
    ["eval.file", config.eval.file],
    ["eval.images", config.eval.images],
  ];
  for (const [field, path] of paths) {
    if (!(await pathExists(resolveFromLoop(loaded, path)))) throw invalidInput(`${resolve(loaded.baseDir, path)}: no such file or folder`, { file: loaded.file, field });
  }
  const judge = config.eval.judge;
  if (judge.enabled && judge.endpoint === undefined && !process.env[judge.api_key_env]) {
    throw invalidInput(`the judge needs an API key: set ${judge.api_key_env}, or eval.judge.enabled: false`, { file: loaded.file, field: "eval.judge" });
  }
  if (config.push) await checkPushCredentials();
}
