import { join } from "node:path";
import { createRemoteClient, type RemoteClient } from "../eval/client.js";
import { runInference } from "../eval/infer.js";
import { runJudge } from "../eval/judge.js";
import { scoreEvaluation, type ScoreReport } from "../eval/score.js";
import { failure } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { LoopMetric } from "./config.js";
import { resolveFromLoop } from "./config-file.js";
import type { LoopContext } from "./context.js";
import { roundDir, type RoundState } from "./state.js";

/** The client of the round's model endpoint, with the loop's request settings. */
export async function endpointClient(ctx: LoopContext, endpoint: string): Promise<RemoteClient> {
  const { requests, endpoint: config } = ctx.loaded.config;
  return createRemoteClient({ endpoint, apiKeyEnv: config.api_key_env, timeoutMs: requests.timeout_s * 1000, retries: requests.retries });
}

/**
 * Scores the round's model on the eval set: `eval infer` through the endpoint into
 * `rounds/<k>/eval/predictions.jsonl` (resumable), `eval judge` (judgements cached under
 * `<out>/judge-cache`, so a rerun pays for none twice), then `eval score` into `score.json`.
 */
export async function evaluateRound(ctx: LoopContext, round: RoundState, served: { endpoint: string; model: string }): Promise<void> {
  if (round.eval) return;
  const { config } = ctx.loaded;
  const dir = join(roundDir(ctx.loaded.out, round.round), "eval");
  const dataset = resolveFromLoop(ctx.loaded, config.eval.file);
  const predictions = join(dir, "predictions.jsonl");
  const inferred = await runInference({
    dataset,
    images: resolveFromLoop(ctx.loaded, config.eval.images),
    out: predictions,
    client: await endpointClient(ctx, served.endpoint),
    model: served.model,
    variant: config.requests.prompt,
    concurrency: config.requests.concurrency,
    maxTokens: config.requests.max_tokens,
    onProblem: ctx.onProblem,
    signal: ctx.signal,
  });
  if (inferred.aborted) throw failure(`round ${round.round}: eval infer stopped: ${inferred.aborted}; rerun to continue`);
  ctx.say(`round ${round.round}: eval infer: ${inferred.succeeded} done now, ${inferred.already_done} before, ${inferred.failed} failed`);
  if (inferred.failed > 0) ctx.onProblem({ severity: "warning", file: inferred.failures_file, message: `${inferred.failed} records failed and are scored as missing predictions` });

  let judgements: string | undefined;
  const judge = config.eval.judge;
  if (judge.enabled) {
    judgements = join(dir, "judge.jsonl");
    const client = await createRemoteClient({ endpoint: judge.endpoint, apiKeyEnv: judge.api_key_env, requireKey: judge.endpoint === undefined });
    const judged = await runJudge({
      dataset,
      predictions,
      out: judgements,
      client,
      model: judge.model,
      concurrency: judge.concurrency,
      cacheDir: join(ctx.loaded.out, "judge-cache"),
      onProblem: ctx.onProblem,
    });
    if (judged.aborted) throw failure(`round ${round.round}: eval judge stopped: ${judged.aborted}; rerun to continue`);
    ctx.say(`round ${round.round}: eval judge: mean ${judged.judge.mean ?? "n/a"} over ${judged.judge.n} (${judged.judge.counts.cached} cached, ${judged.judge.failed} failed)`);
  }

  const report = await scoreEvaluation({ dataset, predictions, protocol: config.eval.protocol, benchmark: config.eval.benchmark, judgements, onProblem: ctx.onProblem });
  const score = join(dir, "score.json");
  await writeFileAtomic(score, `${JSON.stringify(report, null, 2)}\n`);
  const metric = metricOf(report, config.stop.metric);
  ctx.say(`round ${round.round}: ${config.stop.metric} = ${metric ?? "n/a"}`);
  await ctx.store.done(round, "eval", { score, metric, judge_mean: report.judge?.mean ?? null });
}

/** The value of a watched metric in an `eval score` result (null when it could not be computed). */
export function metricOf(report: ScoreReport, metric: LoopMetric): number | null {
  switch (metric) {
    case "au.macro_f1":
      return report.au?.macro_f1 ?? null;
    case "au.micro_f1":
      return report.au?.micro_f1 ?? null;
    case "emotion.accuracy":
      return report.emotion?.accuracy ?? null;
    case "rouge.rougeL":
      return report.rouge?.rougeL ?? null;
    case "judge.mean":
      return report.judge?.mean ?? null;
  }
}

/** Why the loop stops after this round's eval, or undefined to go on. */
export function stopReason(ctx: LoopContext, round: RoundState, previous: RoundState | undefined): string | undefined {
  const { metric, min_improvement: minImprovement } = ctx.loaded.config.stop;
  if (minImprovement === undefined || !previous?.eval || previous.eval.metric === null || round.eval?.metric == null) return undefined;
  const gain = round.eval.metric - previous.eval.metric;
  if (gain >= minImprovement) return undefined;
  return `${metric} went from ${previous.eval.metric} to ${round.eval.metric} (${gain >= 0 ? "+" : ""}${Number(gain.toFixed(6))}), less than min_improvement ${minImprovement}`;
}
