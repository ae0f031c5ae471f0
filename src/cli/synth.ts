import { Option, type Command } from "commander";
import { remoteDatasetOptions, type RemoteDatasetFlags } from "./eval-remote.js";
import { action, parseCount, parsePositiveInt, parseSecondsAsMs, printJson, say, sayProblem, withInterrupt } from "./io.js";

export function registerSynthCommands(program: Command): void {
  program
    .command("synth")
    .description("Stage-3 data synthesis: ground-truth-conditioned generation with self-correction and quality check; resumable")
    .requiredOption("--dataset <file>", "FEA JSONL file to synthesize reasoning for")
    .requiredOption("--images <dir>", "folder the records' image paths are relative to")
    .requiredOption("--endpoint <url>", "API base URL of an OpenAI-compatible server, e.g. http://localhost:8000/v1")
    .requiredOption("--model <name>", "model name the server knows")
    .requiredOption("--out <file>", "synthesized JSONL (appended to; a rerun resumes)")
    .addOption(new Option("--prompt <variant>", "training prompt variant").choices(["grpo", "sft"]).default("grpo"))
    .option("--retries <n>", "correction attempts per record after a failed quality check", "5")
    .option("--concurrency <n>", "records in flight", "8")
    .option("--limit <n>", "only the first N valid records")
    .option("--timeout <seconds>", "per-request timeout", "120")
    .option("--request-retries <n>", "retries per request on 429/5xx/timeouts/connection errors", "5")
    .option("--max-tokens <n>", "completion token limit", "1024")
    .option("--api-key-env <name>", "environment variable holding the API key", "OPENAI_API_KEY")
    .option("--batch", "use the Batch API in rounds (half price; results within 24 h; rerun to resume)")
    .option("--no-wait", "with --batch: submit (or check) the round's batch and exit instead of polling until it ends")
    .option("--poll-interval <seconds>", "with --batch: seconds between status checks", "30")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (opts: SynthOptions) => {
        const retries = parseCount("--retries", opts.retries);
        const requestRetries = parseCount("--request-retries", opts.requestRetries);
        const concurrency = parsePositiveInt("--concurrency", opts.concurrency);
        const limit = parsePositiveInt("--limit", opts.limit);
        const timeoutMs = parseSecondsAsMs("--timeout", opts.timeout);
        const maxTokens = parsePositiveInt("--max-tokens", opts.maxTokens);
        const pollIntervalMs = parseSecondsAsMs("--poll-interval", opts.pollInterval);
        const { describeBatchReuse, describeBatchStatus, describeSynthRound, describeSynthSummary, synthesize } = await import("../api/synthesize.js");
        const run = { ...remoteDatasetOptions(opts, { timeoutMs, retries: requestRetries, limit, maxTokens }), out: opts.out, corrections: retries, onProblem: sayProblem };
        if (opts.batch) {
          // No SIGINT handler: the state file makes any stop safe, and a rerun resumes.
          const summary = await synthesize({
            ...run,
            batch: true,
            wait: opts.wait,
            pollIntervalMs,
            onRound: (round) => say(describeSynthRound(round)),
            onBatchStatus: (batch) => say(`synth: ${describeBatchStatus(batch)}`),
            onBatchReuse: (batch) => say(`synth: ${describeBatchReuse(batch)}`),
          });
          for (const line of describeSynthSummary(summary)) say(line);
          if (opts.json) printJson({ synth: summary });
          if (summary.batch?.pending) return 0;
          return summary.failed > 0 || summary.rejected > 0 ? 1 : 0;
        }
        const summary = await withInterrupt("interrupted: finishing the records in progress (Ctrl-C again to quit at once)", (signal) =>
          synthesize({ ...run, concurrency, signal }),
        );
        if (summary.aborted) say(`error: run stopped: ${summary.aborted}`);
        for (const line of describeSynthSummary(summary)) say(line);
        if (opts.json) printJson({ synth: summary });
        return summary.aborted || summary.failed > 0 || summary.rejected > 0 || summary.not_attempted > 0 ? 1 : 0;
      }),
    );
}

interface SynthOptions extends RemoteDatasetFlags {
  out: string;
  retries: string;
  concurrency: string;
  limit?: string;
  timeout: string;
  requestRetries: string;
  maxTokens: string;
  batch?: boolean;
  wait: boolean;
  pollInterval: string;
  json?: boolean;
}


