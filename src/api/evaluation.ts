import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { defaultJudgeCacheDir } from "../eval/judge-cache.js";
import { runInference, type InferSummary } from "../eval/infer.js";
import { runJudge, type JudgeSummary } from "../eval/judge.js";
import { buildReport, type ReportFiles } from "../eval/report.js";
import { scoreEvaluation as scorePredictions, type ScoreReport } from "../eval/score.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";
import { clientFor, ENDPOINT_FIELDS, REMOTE_DATASET_FIELDS, runStoppable, type EndpointOptions, type RemoteDatasetOptions } from "./remote.js";

export type { EndpointOptions, InferSummary, JudgeSummary, RemoteDatasetOptions, ReportFiles, ScoreReport };
// The summaries and reports above, written out for people.
export { describeInferSummary } from "../eval/infer.js";
export { describeJudgeSummary } from "../eval/judge.js";
export { formatScoreReport } from "../eval/score-tables.js";

/** Options of {@link scoreEvaluation}. */
export interface ScoreEvaluationOptions extends RunOptions, ProblemOptions {
  /** The test file (FEA records: id, AUs, labels, description, dataset). */
  dataset: string;
  /** Predictions JSONL: `{"id", "output"}` per line. */
  predictions: string;
  /** facial-r1 (the paper's code, default) or standard (the literature's fixed lists). */
  protocol?: "facial-r1" | "standard";
  /** Benchmark for the standard protocol: disfa, bp4d, faba, fer2013, rafdb, affectnet. */
  benchmark?: string;
  /** REGE (FABA-Bench); on by default for FABA. */
  rege?: boolean;
  /** Judgements JSONL from judgePredictions, folded into a `judge` block. */
  judgements?: string;
}

const ScoreEvaluationOptions = z.strictObject({
  dataset: z.string().min(1),
  predictions: z.string().min(1),
  protocol: z.enum(["facial-r1", "standard"]).default("facial-r1"),
  // Checked against the known benchmarks by the scorer (`unknown benchmark "..."`).
  benchmark: z.string().optional(),
  rege: z.boolean().optional(),
  judgements: z.string().min(1).optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof ScoreEvaluationOptions>, ScoreEvaluationOptions>(true);

/** Exact metrics: emotion accuracy, AU F1, ROUGE-1/2/L, REGE and the judge's mean. */
export async function scoreEvaluation(options: ScoreEvaluationOptions): Promise<ScoreReport> {
  const o = parseOptions("scoreEvaluation", ScoreEvaluationOptions, options);
  return runWith(o, () =>
    scorePredictions({ dataset: o.dataset, predictions: o.predictions, protocol: o.protocol, benchmark: o.benchmark, rege: o.rege, judgements: o.judgements, onProblem: o.onProblem }),
  );
}

/** Options of {@link inferPredictions}. */
export interface InferPredictionsOptions extends RemoteDatasetOptions, RunOptions, ProblemOptions {
  /** Predictions JSONL, appended to (a rerun resumes); default `<dataset>.predictions.jsonl`. */
  out?: string;
}

const InferPredictionsOptions = z.strictObject({ out: z.string().min(1).optional(), ...REMOTE_DATASET_FIELDS, ...RUN_FIELDS, ...PROBLEM_FIELDS });
sameShape<z.input<typeof InferPredictionsOptions>, InferPredictionsOptions>(true);

/**
 * Runs a test file through a model behind an OpenAI-compatible server and appends the raw
 * outputs as predictions; resumable. The signal stops new requests; those in flight finish and
 * are recorded (`summary.aborted` says why it stopped).
 */
export async function inferPredictions(options: InferPredictionsOptions): Promise<InferSummary> {
  const o = parseOptions("inferPredictions", InferPredictionsOptions, options);
  return runStoppable(o, async (signal) => {
    const client = await clientFor(o);
    const out = o.out ?? join(dirname(o.dataset), `${basename(o.dataset).replace(/\.jsonl$/i, "")}.predictions.jsonl`);
    return runInference({ dataset: o.dataset, images: o.images, out, client, model: o.model, variant: o.prompt, concurrency: o.concurrency, limit: o.limit, maxTokens: o.maxTokens, onProblem: o.onProblem, signal });
  });
}

/** Options of {@link judgePredictions}. */
export interface JudgePredictionsOptions extends EndpointOptions, RunOptions, ProblemOptions {
  /** The test file (its descriptions are the references). */
  dataset: string;
  /** Predictions JSONL. */
  predictions: string;
  /** Judgements JSONL (default `<predictions>.judge.jsonl`). */
  out?: string;
  /** The judge model (default gpt-4o-mini). */
  model?: string;
  /** Requests in flight (default 8). */
  concurrency?: number;
  /** Judgement cache folder; `false`: none (default $FACIAL_R1_JUDGE_CACHE or ~/.cache/facial-r1/judge). */
  cache?: string | false;
  /** The Batch API: half price, results within 24 h; a rerun resumes polling. */
  batch?: boolean;
  /** With `batch`: poll until it ends (default), or submit / check once. */
  wait?: boolean;
  /** With `batch`: time between status checks (default 30 s). */
  pollIntervalMs?: number;
}

const JudgePredictionsOptions = z.strictObject({
  dataset: z.string().min(1),
  predictions: z.string().min(1),
  out: z.string().min(1).optional(),
  model: z.string().min(1).default("gpt-4o-mini"),
  concurrency: z.number().int().positive().optional(),
  cache: z.union([z.string().min(1), z.literal(false)]).optional(),
  batch: z.boolean().default(false),
  wait: z.boolean().default(true),
  pollIntervalMs: z.number().positive().optional(),
  ...ENDPOINT_FIELDS,
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof JudgePredictionsOptions>, JudgePredictionsOptions>(true);

/** Rates each prediction's reasoning against the reference description with an LLM judge, 1..10. */
export async function judgePredictions(options: JudgePredictionsOptions): Promise<JudgeSummary> {
  const o = parseOptions("judgePredictions", JudgePredictionsOptions, options);
  return runWith(o, async () => {
    const client = await clientFor(o, o.endpoint === undefined);
    return runJudge({
      dataset: o.dataset,
      predictions: o.predictions,
      out: o.out ?? `${o.predictions.replace(/\.jsonl$/i, "")}.judge.jsonl`,
      client,
      model: o.model,
      batch: o.batch,
      wait: o.wait,
      pollIntervalMs: o.pollIntervalMs,
      concurrency: o.concurrency,
      cacheDir: o.cache === false ? undefined : (o.cache ?? defaultJudgeCacheDir()),
      onProblem: o.onProblem,
    });
  });
}

/** Options of {@link writeEvalReport}. */
export interface WriteEvalReportOptions {
  /** Results of scoreEvaluation, as JSON files (`eval score --json`). */
  results: string[];
  outDir: string;
}

const WriteEvalReportOptions = z.strictObject({ results: z.array(z.string().min(1)).min(1), outDir: z.string().min(1) });
sameShape<z.input<typeof WriteEvalReportOptions>, WriteEvalReportOptions>(true);

/** report.json, report.md and a self-contained report.html with charts, beside the paper's numbers. */
export async function writeEvalReport(options: WriteEvalReportOptions): Promise<ReportFiles> {
  const o = parseOptions("writeEvalReport", WriteEvalReportOptions, options);
  return buildReport({ results: o.results, outDir: o.outDir });
}
