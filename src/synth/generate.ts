import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { RemoteError, type RemoteClient } from "../eval/client.js";
import { checkSynthOutput, type QualityTruth, type SynthProblem } from "./quality-check.js";
import { attemptMessages, correctionMessage } from "./synth-prompt.js";

/**
 * Ground-truth-conditioned generation with self-correction for one record: generate
 * greedily, check, and on failure re-prompt with the previous output and its problems, up to
 * `retries` times. When no attempt passes, the FIRST output is kept (the paper's rule).
 * Transport errors (after the client's own retries) are thrown as RemoteError.
 */
export interface GenerateParams {
  client: RemoteClient;
  model: string;
  /** Image parts and the prompt text (with the ground-truth section). */
  prompt: ChatCompletionContentPart[];
  truth: QualityTruth;
  /** Correction attempts after the first. */
  retries: number;
  maxTokens: number;
}

export interface Generation {
  /** The passing output, or the first one when none passed. */
  output: string;
  valid: boolean;
  /** Requests made: 1 = passed at once; retries + 1 at most. */
  attempts: number;
  /** Problems of the last attempt (empty when it passed). */
  lastProblems: SynthProblem[];
  /** Problems of the kept output (the first one, when none passed). */
  keptProblems: SynthProblem[];
  /** The model name the server reported. */
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

export async function generateWithCorrection(params: GenerateParams): Promise<Generation> {
  const usage = { prompt_tokens: 0, completion_tokens: 0 };
  let first: { output: string; problems: SynthProblem[] } | undefined;
  let previous: { output: string; correction: string } | undefined;
  let model = params.model;
  for (let attempt = 1; ; attempt++) {
    const completion = await params.client.chat({
      model: params.model,
      messages: attemptMessages(params.prompt, previous),
      temperature: 0,
      max_tokens: params.maxTokens,
    });
    const output = completion.choices?.[0]?.message?.content;
    if (typeof output !== "string") throw new RemoteError("malformed", "the reply has no message content");
    usage.prompt_tokens += completion.usage?.prompt_tokens ?? 0;
    usage.completion_tokens += completion.usage?.completion_tokens ?? 0;
    model = completion.model ?? model;
    const check = checkSynthOutput(output, params.truth);
    first ??= { output, problems: check.problems };
    if (check.passed) return { output, valid: true, attempts: attempt, lastProblems: [], keptProblems: [], model, usage };
    if (attempt > params.retries) {
      return { output: first.output, valid: false, attempts: attempt, lastProblems: check.problems, keptProblems: first.problems, model, usage };
    }
    previous = { output, correction: correctionMessage(check.problems, params.truth) };
  }
}
