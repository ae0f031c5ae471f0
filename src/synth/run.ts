import { refuseEmptyInput, SENDS_NOTHING } from "../data/empty-input.js";
import { assertImageDirectory } from "../eval/image-folder.js";
import { resumeOutput } from "../eval/resume-output.js";
import { failuresFileOf, runResumable, type RemoteDatasetRunParams } from "../eval/resumable-run.js";
import { generateWithCorrection } from "./generate.js";
import { pendingRecords, planSynthesis, type SynthPlan } from "./plan.js";
import { synthRequestContent } from "./request-content.js";
import { countWritten, newSynthSummary, type SynthSummary } from "./summary.js";
import { synthesizedRecord } from "./synth-record.js";

/**
 * Stage-3 synthesis over a dataset: each pending record is generated with its ground truth
 * in the prompt, checked, corrected up to `retries` times, and appended to `out` as soon as
 * it is done, so a rerun resumes. Records whose requests fail go to `<out>.failures.jsonl`
 * (rewritten each run; they are retried by the next one).
 */
export interface SynthParams extends RemoteDatasetRunParams {
  /** Correction attempts after the first generation (default 5). */
  retries?: number;
}

export const DEFAULT_SYNTH_RETRIES = 5;
export const DEFAULT_SYNTH_CONCURRENCY = 8;

/** What both the online and the batch path do first: check the inputs, resume the output, plan. */
export async function startSynthesis(params: SynthParams): Promise<{ plan: SynthPlan; summary: SynthSummary }> {
  const report = params.onProblem ?? (() => undefined);
  await assertImageDirectory(params.images);
  const { partial, done } = await resumeOutput({
    out: params.out,
    report,
    redone: "the record is generated again",
    notARecord: "a line without an id (ignored)",
  });
  const plan = await planSynthesis({ dataset: params.dataset, done, limit: params.limit, report });
  refuseEmptyInput({ records: plan.read - plan.rejected, read: plan.read, files: [params.dataset], outcome: SENDS_NOTHING });
  const summary = newSynthSummary({ dataset: params.dataset, out: params.out, failuresFile: failuresFileOf(params.out), plan, partial });
  return { plan, summary };
}

export async function runSynthesis(params: SynthParams): Promise<SynthSummary> {
  const variant = params.variant ?? "grpo";
  const retries = params.retries ?? DEFAULT_SYNTH_RETRIES;
  const { plan, summary } = await startSynthesis(params);

  const run = await runResumable({
    label: "synth",
    out: params.out,
    records: pendingRecords(params.dataset, plan.pendingLines),
    pending: plan.pending,
    concurrency: params.concurrency ?? DEFAULT_SYNTH_CONCURRENCY,
    signal: params.signal,
    prepare: (sample) => synthRequestContent({ sample, images: params.images, labelSet: plan.labelSet, variant }),
    send: async (sample, content) => {
      const generation = await generateWithCorrection({
        client: params.client,
        model: params.model,
        prompt: content,
        truth: { AUs: sample.AUs, labels: sample.labels },
        retries,
        maxTokens: params.maxTokens ?? 1024,
      });
      const record = synthesizedRecord(sample, generation, variant);
      countWritten(summary, generation);
      return record;
    },
  });

  summary.failed = run.failed;
  summary.not_attempted = run.not_attempted;
  if (run.aborted) summary.aborted = run.aborted;
  return summary;
}
