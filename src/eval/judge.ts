import { refuseEmptyInput, SENDS_NOTHING } from "../data/empty-input.js";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { z } from "zod";
import { JsonlWriter, readJsonl } from "../data/jsonl.js";
import { PredictionSchema, SampleSchema } from "../schema/sample.js";
import { errorMessage, type Problem } from "../util/errors.js";
import { runPool } from "../util/concurrency.js";
import { Progress } from "../util/progress.js";
import { clearBatchState, describeBatchReuse, describeBatchStatus, runBatch, type BatchOutcome } from "./batch.js";
import type { RemoteClient } from "./client.js";
import { RemoteError } from "../util/errors.js";
import { JudgeCache, judgeCacheKey, type CachedJudgement } from "./judge-cache.js";
import { schemaProblem } from "../data/record-check.js";

/**
 * The GPT judge: rates how well a prediction's reasoning (its think text) agrees with the
 * reference description, 1..10 with a short reason, through structured output. A judgement
 * that fails (API error, not JSON, out of range) is recorded with its error and left out of
 * the mean; it is never scored 0.
 */
export const JUDGE_PROMPT_VERSION = "facial-r1-judge-v1";
export const JUDGE_MAX_TOKENS = 128;
export const JUDGE_ATTEMPTS = 3;

/** USD per million tokens, online price; the Batch API bills half. */
export const JUDGE_PRICES: Readonly<Record<string, { input: number; output: number }>> = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
};

/** What the judge must answer; the range is checked after parsing (strict schemas cannot say it). */
export const JudgementSchema = z.object({
  score: z.number().int().describe("Agreement from 1 (none) to 10 (complete)"),
  reason: z.string().describe("One short sentence"),
});

export type Judgement = z.infer<typeof JudgementSchema>;

/** The text the judge rates: the first think block, or the whole output when there is none. */
export function thinkText(output: string): string {
  const match = /<think>([\s\S]*?)<\/think>/.exec(output);
  return (match ? match[1] : output).trim();
}

export function buildJudgeMessages(reference: string, candidate: string): ChatCompletionMessageParam[] {
  return [
    {
      role: "system",
      content:
        "You are an expert in facial expression analysis and the Facial Action Coding System. You compare a model's reasoning about a face with a reference description of the same face.",
    },
    {
      role: "user",
      content: [
        "Rate how well the candidate reasoning agrees with the reference description: the Action Units and facial movements it names, the emotion it concludes, and whether it states things the reference contradicts.",
        "Give an integer score from 1 (no agreement) to 10 (full agreement) and a reason of one short sentence.",
        `<reference>\n${reference}\n</reference>`,
        `<candidate>\n${candidate}\n</candidate>`,
      ].join("\n\n"),
    },
  ];
}

export interface JudgeParams {
  dataset: string;
  predictions: string;
  out: string;
  client: RemoteClient;
  model?: string;
  concurrency?: number;
  /** Folder of the on-disk cache; memory only when undefined. */
  cacheDir?: string;
  batch?: boolean;
  /** With `batch`: poll until the batch ends (default) or return after submitting / one check. */
  wait?: boolean;
  pollIntervalMs?: number;
  onProblem?: (problem: Problem) => void;
}

/**
 * Where every prediction ended up. They add up two ways:
 * predictions = scored + failed + not_judged = cached + judged + unjudgeable + not_judged.
 */
export interface JudgeCounts {
  predictions: number;
  scored: number;
  failed: number;
  /** Answered by the cache of an earlier run (never with --no-cache). */
  cached: number;
  /** Answered (or failed) through requests of this run, online or in a batch. */
  judged: number;
  /** No reference description, an id the dataset lacks, or no reasoning to judge: failed without a request. */
  unjudgeable: number;
  /** Requests sent (an unusable answer is asked again, a batch line counts once): a measure of cost. */
  requested: number;
  invalid_lines: number;
  duplicates: number;
  missing_reference: number;
  not_judged: number;
}

export interface JudgeSummary {
  judge: {
    model: string;
    prompt_version: string;
    scale: [1, 10];
    /** Mean score over the scored predictions (failures excluded); null when none was scored. */
    mean: number | null;
    n: number;
    failed: number;
    counts: JudgeCounts;
  };
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number | null;
    batch: boolean;
    prices_per_million?: { input: number; output: number };
  };
  out: string;
  batch?: { id: string; status: string; pending: boolean; submitted: boolean; reused: boolean };
  aborted?: string;
}

interface Task {
  id: string | number;
  key: string;
  reference?: string;
  candidate: string;
  /** A reason the prediction cannot be judged at all. */
  error?: string;
}

export async function runJudge(params: JudgeParams): Promise<JudgeSummary> {
  const model = params.model ?? "gpt-4o-mini";
  const report = params.onProblem ?? (() => undefined);
  const cache = new JudgeCache(params.cacheDir);
  const counts: JudgeCounts = {
    predictions: 0,
    scored: 0,
    failed: 0,
    cached: 0,
    judged: 0,
    unjudgeable: 0,
    requested: 0,
    invalid_lines: 0,
    duplicates: 0,
    missing_reference: 0,
    not_judged: 0,
  };
  const usage = { prompt_tokens: 0, completion_tokens: 0 };
  const references = await readReferences(params.dataset, report, counts);
  refuseEmptyInput({ records: references.size, read: references.size + counts.invalid_lines + counts.duplicates, files: [params.dataset], outcome: SENDS_NOTHING });
  const skippedBefore = counts.invalid_lines + counts.duplicates;
  const tasks = await readTasks({ predictions: params.predictions, references, model, report, counts });
  const predictionLines = counts.predictions + counts.invalid_lines + counts.duplicates - skippedBefore;
  refuseEmptyInput({ records: counts.predictions, read: predictionLines, files: [params.predictions], what: "valid prediction", outcome: SENDS_NOTHING });

  const summary = (): JudgeSummary => {
    const price = JUDGE_PRICES[model];
    const factor = params.batch ? 0.5 : 1;
    return {
      judge: {
        model,
        prompt_version: JUDGE_PROMPT_VERSION,
        scale: [1, 10],
        mean: counts.scored > 0 ? round(scoreSum / counts.scored, 4) : null,
        n: counts.scored,
        failed: counts.failed,
        counts,
      },
      usage: {
        ...usage,
        cost_usd: price ? round(((usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6) * factor, 6) : null,
        batch: params.batch ?? false,
        ...(price ? { prices_per_million: { input: price.input * factor, output: price.output * factor } } : {}),
      },
      out: params.out,
    };
  };
  let scoreSum = 0;

  // Batch mode: fetch every uncached judgement through the Batch API into the cache first.
  const batchErrors = new Map<string, string>();
  let batchInfo: JudgeSummary["batch"];
  if (params.batch) {
    const outcome = await judgeThroughBatch({ params, model, tasks, cache, usage, batchErrors, counts });
    if (outcome) {
      batchInfo = { id: outcome.batchId, status: outcome.status, pending: !outcome.finished, submitted: outcome.submitted, reused: outcome.reused };
      if (!outcome.finished) {
        counts.not_judged = tasks.length;
        return { ...summary(), batch: batchInfo };
      }
    }
  }

  const writer = new JsonlWriter(params.out);
  const progress = new Progress({ label: "judge", total: tasks.length, unit: "predictions" });
  const inFlight = new Map<string, Promise<CachedJudgement | { error: string }>>();
  const stop = new AbortController();
  let fatal: RemoteError | undefined;
  let handled = 0;

  const record = async (task: Task, result: CachedJudgement | { error: string }) => {
    if ("error" in result) {
      counts.failed++;
      await writer.write({ id: task.id, score: null, reason: null, error: result.error });
    } else {
      counts.scored++;
      scoreSum += result.score;
      await writer.write({ id: task.id, score: result.score, reason: result.reason });
    }
    handled++;
    progress.tick();
  };

  try {
    await runPool({
      source: tasks,
      concurrency: params.concurrency ?? 8,
      signal: stop.signal,
      worker: async (task) => {
        if (task.error) {
          counts.unjudgeable++;
          return record(task, { error: task.error });
        }
        const cached = await cache.get(task.key);
        if (cached) {
          // Judged by this run's batch, or by an earlier prediction of the same pair: not a cache hit.
          if (cache.isFresh(task.key)) counts.judged++;
          else counts.cached++;
          return record(task, cached);
        }
        if (params.batch) {
          counts.judged++;
          return record(task, { error: batchErrors.get(task.key) ?? "not judged by the batch" });
        }
        let pending = inFlight.get(task.key);
        if (!pending) {
          pending = judgeOnline({ client: params.client, model, task, cache, usage, counts });
          inFlight.set(task.key, pending);
        }
        try {
          const result = await pending;
          counts.judged++;
          await record(task, result);
        } catch (err) {
          if (err instanceof RemoteError && err.fatal) {
            fatal ??= err;
            stop.abort();
            return;
          }
          throw err;
        }
      },
    });
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    progress.finish();
  }
  counts.not_judged = tasks.length - handled;
  return { ...summary(), ...(batchInfo ? { batch: batchInfo } : {}), ...(fatal ? { aborted: fatal.message } : {}) };
}

/** Judges one task online: up to JUDGE_ATTEMPTS attempts when the answer is unusable. */
async function judgeOnline(args: {
  client: RemoteClient;
  model: string;
  task: Task;
  cache: JudgeCache;
  usage: { prompt_tokens: number; completion_tokens: number };
  counts: JudgeCounts;
}): Promise<CachedJudgement | { error: string }> {
  const { client, model, task, cache, usage, counts } = args;
  let lastError = "";
  for (let attempt = 1; attempt <= JUDGE_ATTEMPTS; attempt++) {
    counts.requested++;
    let completion: ChatCompletion;
    let parsed: unknown;
    try {
      ({ completion, parsed } = await client.parse(await judgeRequest(model, task)));
    } catch (err) {
      if (err instanceof RemoteError) {
        if (err.fatal) throw err;
        // The client already retried transport failures; another attempt would repeat them.
        return { error: err.message };
      }
      lastError = `unusable answer: ${contentErrorMessage(err)}`;
      continue;
    }
    usage.prompt_tokens += completion.usage?.prompt_tokens ?? 0;
    usage.completion_tokens += completion.usage?.completion_tokens ?? 0;
    const checked = checkJudgement(parsed);
    if ("error" in checked) {
      lastError = checked.error;
      continue;
    }
    const result: CachedJudgement = { ...checked, model, prompt_version: JUDGE_PROMPT_VERSION };
    await cache.put(task.key, result);
    return result;
  }
  return { error: `${lastError} (after ${JUDGE_ATTEMPTS} attempts)` };
}

async function judgeThroughBatch(args: {
  params: JudgeParams;
  model: string;
  tasks: Task[];
  cache: JudgeCache;
  usage: { prompt_tokens: number; completion_tokens: number };
  batchErrors: Map<string, string>;
  counts: JudgeCounts;
}): Promise<BatchOutcome | undefined> {
  const { params, model, tasks, cache, usage, batchErrors, counts } = args;
  const requests = new Map<string, Task>();
  for (const task of tasks) {
    if (task.error || requests.has(task.key) || (await cache.get(task.key))) continue;
    requests.set(task.key, task);
  }
  const stateFile = `${params.out}.batch.json`;
  const outcome = await runBatch({
    client: params.client,
    stateFile,
    requests: await Promise.all([...requests.values()].map(async (task) => ({ customId: task.key, body: await judgeRequest(model, task) }))),
    pollIntervalMs: params.pollIntervalMs ?? 30_000,
    wait: params.wait ?? true,
    onReuse: (batch) => params.onProblem?.({ severity: "warning", message: describeBatchReuse(batch) }),
    onStatus: (batch) => params.onProblem?.({ severity: "warning", message: describeBatchStatus(batch) }),
  });
  if (!outcome || !outcome.finished) return outcome;
  counts.requested += outcome.results.length;
  for (const line of outcome.results) {
    if (!line.completion) {
      batchErrors.set(line.customId, line.error ?? "batch request failed");
      continue;
    }
    usage.prompt_tokens += line.completion.usage?.prompt_tokens ?? 0;
    usage.completion_tokens += line.completion.usage?.completion_tokens ?? 0;
    const checked = judgementFromCompletion(line.completion);
    if ("error" in checked) batchErrors.set(line.customId, checked.error);
    else await cache.put(line.customId, { ...checked, model, prompt_version: JUDGE_PROMPT_VERSION });
  }
  if (outcome.message) for (const key of requests.keys()) if (!batchErrors.has(key) && !(await cache.get(key))) batchErrors.set(key, outcome.message);
  // Results are stored: the next run may submit a new batch (for what failed here).
  await clearBatchState(stateFile);
  return outcome;
}

async function judgeRequest(model: string, task: Task): Promise<ChatCompletionCreateParamsNonStreaming> {
  const { zodResponseFormat } = await import("openai/helpers/zod");
  return {
    model,
    messages: buildJudgeMessages(task.reference ?? "", task.candidate),
    temperature: 0,
    max_tokens: JUDGE_MAX_TOKENS,
    response_format: zodResponseFormat(JudgementSchema, "judgement"),
  };
}

/** The same checks as the online parse, for batch output (which arrives unparsed). */
function judgementFromCompletion(completion: ChatCompletion): Judgement | { error: string } {
  const choice = completion.choices?.[0];
  if (!choice) return { error: "unusable answer: no choice in the reply" };
  if (choice.finish_reason === "length") return { error: "unusable answer: the answer was cut off at the token limit" };
  let value: unknown;
  try {
    value = JSON.parse(choice.message?.content ?? "");
  } catch (err) {
    return { error: `unusable answer: ${contentErrorMessage(err)}` };
  }
  return checkJudgement(value);
}

function checkJudgement(parsed: unknown): Judgement | { error: string } {
  const result = JudgementSchema.safeParse(parsed);
  if (!result.success) return { error: "unusable answer: not a {score, reason} object" };
  if (result.data.score < 1 || result.data.score > 10) return { error: `score ${result.data.score} out of range 1..10` };
  return result.data;
}

function contentErrorMessage(err: unknown): string {
  const name = err instanceof Error ? err.constructor.name : "";
  if (name === "LengthFinishReasonError") return "the answer was cut off at the token limit";
  if (name === "ContentFilterFinishReasonError") return "the answer was withheld by the content filter";
  if (err instanceof SyntaxError) return `not JSON (${err.message})`;
  if (err instanceof z.ZodError) return `not a {score, reason} object (${err.issues[0]?.message ?? ""})`;
  return errorMessage(err);
}

async function readReferences(dataset: string, report: (p: Problem) => void, counts: JudgeCounts): Promise<Map<string, string | undefined>> {
  const references = new Map<string, string | undefined>();
  for await (const item of readJsonl(dataset)) {
    if (item.kind === "unreadable") {
      counts.invalid_lines++;
      report(item.problem);
      continue;
    }
    const parsed = SampleSchema.safeParse(item.value);
    if (!parsed.success) {
      counts.invalid_lines++;
      report(schemaProblem(parsed.error, item.value, item));
      continue;
    }
    const key = String(parsed.data.id);
    if (references.has(key)) {
      counts.duplicates++;
      report({ file: item.file, line: item.line, field: "id", message: `duplicate id "${key}" (the first one is used)` });
      continue;
    }
    references.set(key, parsed.data.description);
  }
  return references;
}

async function readTasks(args: {
  predictions: string;
  references: Map<string, string | undefined>;
  model: string;
  report: (p: Problem) => void;
  counts: JudgeCounts;
}): Promise<Task[]> {
  const { references, model, report, counts } = args;
  const tasks: Task[] = [];
  const seen = new Set<string>();
  for await (const item of readJsonl(args.predictions)) {
    if (item.kind === "unreadable") {
      counts.invalid_lines++;
      report(item.problem);
      continue;
    }
    const parsed = PredictionSchema.safeParse(item.value);
    if (!parsed.success) {
      counts.invalid_lines++;
      report(schemaProblem(parsed.error, item.value, item));
      continue;
    }
    const { id, output } = parsed.data;
    if (seen.has(String(id))) {
      counts.duplicates++;
      report({ file: item.file, line: item.line, field: "id", message: `duplicate prediction for id "${id}" (the first one is used)` });
      continue;
    }
    seen.add(String(id));
    counts.predictions++;
    const candidate = thinkText(output);
    if (!references.has(String(id))) {
      counts.missing_reference++;
      tasks.push({ id, key: "", candidate, error: "no record with this id in the dataset" });
      continue;
    }
    const reference = references.get(String(id))?.trim();
    if (!reference) {
      counts.missing_reference++;
      tasks.push({ id, key: "", candidate, error: "the record has no reference description" });
      continue;
    }
    if (!candidate) {
      tasks.push({ id, key: "", candidate, error: "the prediction has no reasoning to judge" });
      continue;
    }
    tasks.push({ id, key: judgeCacheKey({ model, promptVersion: JUDGE_PROMPT_VERSION, reference, candidate }), reference, candidate });
  }
  return tasks;
}

/**
 * A judge summary for people, a few lines: the scores and their mean, where the judgements
 * came from (cache, requests, unjudgeable), the tokens used and their cost; or, while a batch
 * is still running, what to do to collect it.
 */
export function describeJudgeSummary(summary: JudgeSummary): string[] {
  const { judge, usage } = summary;
  const lines: string[] = [];
  if (summary.batch?.pending) {
    lines.push(`judge: batch ${summary.batch.id} is ${summary.batch.status}; rerun the same command to collect the results`);
    return lines;
  }
  if (summary.aborted) lines.push(`error: run stopped: ${summary.aborted}`);
  const c = judge.counts;
  lines.push(`judge: ${c.predictions} predictions: ${judge.n} scored (mean ${judge.mean ?? "n/a"} on 1..10) + ${judge.failed} failed + ${c.not_judged} not judged; written to ${summary.out}`);
  lines.push(
    `judge: the ${judge.n + judge.failed} scored or failed: ${c.cached} from the cache + ${c.judged} judged now (${c.requested} requests sent) + ` +
      `${c.unjudgeable} without a reference or reasoning; ${c.invalid_lines} invalid lines, ${c.duplicates} duplicates skipped`,
  );
  lines.push(
    `usage: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens` +
      (usage.cost_usd === null ? " (no price known for this model)" : `, $${usage.cost_usd.toFixed(4)}${usage.batch ? " at batch price" : ""}`),
  );
  return lines;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
