import { Option, type Command } from "commander";
import type { RemoteDatasetOptions } from "../index.js";
import { action, parseCount, parsePositiveInt, parseSecondsAsMs, printJson, say, sayProblem, withInterrupt } from "./io.js";

export function registerEvalRemoteCommands(evalCommand: Command): void {
  evalCommand
    .command("infer")
    .description("Run a dataset through a model behind an OpenAI-compatible server (vLLM, OpenAI); resumable")
    .requiredOption("--dataset <file>", "FEA JSONL test file")
    .requiredOption("--images <dir>", "folder the records' image paths are relative to")
    .requiredOption("--endpoint <url>", "API base URL, e.g. http://localhost:8000/v1")
    .requiredOption("--model <name>", "model name the server knows")
    .addOption(new Option("--prompt <variant>", "prompt variant").choices(["grpo", "sft"]).default("grpo"))
    .option("--concurrency <n>", "requests in flight", "8")
    .option("--limit <n>", "only the first N valid records")
    .option("--out <file>", "predictions JSONL, appended to: a rerun resumes (default: <dataset>.predictions.jsonl)")
    .option("--timeout <seconds>", "per-request timeout", "120")
    .option("--retries <n>", "retries per request on 429/5xx/timeouts/connection errors", "5")
    .option("--max-tokens <n>", "completion token limit", "1024")
    .option("--api-key-env <name>", "environment variable holding the API key", "OPENAI_API_KEY")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (opts: InferOptions) => {
        const { describeInferSummary, inferPredictions } = await import("../api/evaluation.js");
        const remote = remoteDatasetOptions(opts, {
          timeoutMs: parseSecondsAsMs("--timeout", opts.timeout),
          retries: parseCount("--retries", opts.retries),
          concurrency: parsePositiveInt("--concurrency", opts.concurrency),
          limit: parsePositiveInt("--limit", opts.limit),
          maxTokens: parsePositiveInt("--max-tokens", opts.maxTokens),
        });
        const summary = await withInterrupt("interrupted: finishing the requests in flight (Ctrl-C again to quit at once)", (signal) =>
          inferPredictions({ ...remote, out: opts.out, onProblem: sayProblem, signal }),
        );
        if (summary.aborted) say(`error: run stopped: ${summary.aborted}`);
        say(describeInferSummary(summary));
        if (opts.json) printJson({ infer: summary });
        return summary.aborted || summary.failed > 0 || summary.invalid > 0 || summary.not_attempted > 0 ? 1 : 0;
      }),
    );

  evalCommand
    .command("judge")
    .description("Rate predicted reasoning against reference descriptions with an LLM judge (gpt-4o-mini), 1..10")
    .requiredOption("--dataset <file>", "FEA JSONL test file (reference descriptions)")
    .requiredOption("--predictions <file>", "predictions JSONL ({id, output})")
    .option("--model <name>", "judge model", "gpt-4o-mini")
    .option("--endpoint <url>", "API base URL (default: OpenAI)")
    .option("--batch", "use the Batch API (half price; results within 24 h; rerun to resume polling)")
    .option("--no-wait", "with --batch: submit (or check) the batch and exit instead of polling until it ends")
    .option("--poll-interval <seconds>", "with --batch: seconds between status checks", "30")
    .option("--concurrency <n>", "requests in flight", "8")
    .option("--timeout <seconds>", "per-request timeout", "60")
    .option("--retries <n>", "retries per request on 429/5xx/timeouts/connection errors", "5")
    .option("--out <file>", "judgements JSONL (default: <predictions>.judge.jsonl)")
    .option("--cache <dir>", "judgement cache (default: $FACIAL_R1_JUDGE_CACHE or ~/.cache/facial-r1/judge)")
    .option("--no-cache", "neither read nor write the cache")
    .option("--api-key-env <name>", "environment variable holding the API key", "OPENAI_API_KEY")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (opts: JudgeOptions) => {
        const { describeJudgeSummary, judgePredictions } = await import("../api/evaluation.js");
        const summary = await judgePredictions({
          dataset: opts.dataset,
          predictions: opts.predictions,
          out: opts.out,
          endpoint: opts.endpoint,
          apiKeyEnv: opts.apiKeyEnv,
          timeoutMs: parseSecondsAsMs("--timeout", opts.timeout),
          retries: parseCount("--retries", opts.retries),
          model: opts.model,
          batch: opts.batch ?? false,
          wait: opts.wait,
          pollIntervalMs: parseSecondsAsMs("--poll-interval", opts.pollInterval),
          concurrency: parsePositiveInt("--concurrency", opts.concurrency),
          cache: opts.cache,
          onProblem: sayProblem,
        });
        for (const line of describeJudgeSummary(summary)) say(line);
        if (opts.json) printJson({ judge: summary.judge, usage: summary.usage, ...(summary.batch ? { batch: summary.batch } : {}), ...(summary.aborted ? { aborted: summary.aborted } : {}) });
        if (summary.batch && summary.batch.pending) return 0;
        return summary.aborted || summary.judge.failed > 0 || summary.judge.counts.invalid_lines > 0 ? 1 : 0;
      }),
    );
}

/** The flags of the commands that run a dataset through a model behind a server (eval infer, synth). */
export interface RemoteDatasetFlags {
  dataset: string;
  images: string;
  endpoint: string;
  model: string;
  prompt: "grpo" | "sft";
  apiKeyEnv: string;
}

/** Those flags, with the numbers each command parses from its own flags, as the public API's options. */
export function remoteDatasetOptions(
  opts: RemoteDatasetFlags,
  numbers: Pick<RemoteDatasetOptions, "timeoutMs" | "retries" | "concurrency" | "limit" | "maxTokens">,
): RemoteDatasetOptions {
  return { dataset: opts.dataset, images: opts.images, endpoint: opts.endpoint, apiKeyEnv: opts.apiKeyEnv, model: opts.model, prompt: opts.prompt, ...numbers };
}

interface InferOptions extends RemoteDatasetFlags {
  concurrency: string;
  limit?: string;
  out?: string;
  timeout: string;
  retries: string;
  maxTokens: string;
  json?: boolean;
}

interface JudgeOptions {
  dataset: string;
  predictions: string;
  model: string;
  endpoint?: string;
  batch?: boolean;
  wait: boolean;
  pollInterval: string;
  concurrency: string;
  timeout: string;
  retries: string;
  out?: string;
  cache?: string | false;
  apiKeyEnv: string;
  json?: boolean;
}

