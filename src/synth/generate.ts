import type { ChatCompletion, ChatCompletionContentPart, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { RemoteClient } from "../eval/client.js";
import { RemoteError } from "../util/errors.js";
import { checkSynthOutput, type QualityTruth, type SynthProblem } from "./quality-check.js";
import { attemptMessages, correctionMessage } from "./synth-prompt.js";

/**
 * Ground-truth-conditioned generation with self-correction for one record: generate
 * greedily, check, and on failure re-prompt with the previous output and its problems, up to
 * `retries` times. When no attempt passes, the FIRST output is kept (the paper's rule).
 * Transport errors (after the client's own retries) are thrown as RemoteError.
 *
 * The loop is split into `attemptRequest` (the next request of a record) and
 * `recordAttempt` (checking one reply), which the online path and the Batch API path share;
 * the progress between attempts is a plain JSON value (`AttemptState`), so a batch run can
 * keep it in its state file.
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

/** A record's attempts so far (all failed the check); JSON-serializable. */
export interface AttemptState {
  attempts: number;
  first?: { output: string; problems: SynthProblem[] };
  previous?: { output: string; correction: string };
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

export function newAttemptState(model: string): AttemptState {
  return { attempts: 0, model, usage: { prompt_tokens: 0, completion_tokens: 0 } };
}

/** The request of a record's next attempt: the prompt alone, or with the last output and its correction. */
export function attemptRequest(p: { model: string; prompt: ChatCompletionContentPart[]; state: AttemptState; maxTokens: number }): ChatCompletionCreateParamsNonStreaming {
  return { model: p.model, messages: attemptMessages(p.prompt, p.state.previous), temperature: 0, max_tokens: p.maxTokens };
}

/**
 * Checks the reply of the attempt `attemptRequest` built: the record's Generation when it is
 * done (passed, or out of corrections), else the state for the next attempt. Throws a
 * RemoteError when the reply has no message content.
 */
export function recordAttempt(p: { state: AttemptState; completion: ChatCompletion; truth: QualityTruth; retries: number }): { done: Generation } | { next: AttemptState } {
  const output = p.completion.choices?.[0]?.message?.content;
  if (typeof output !== "string") throw new RemoteError("malformed", "the reply has no message content");
  const attempt = p.state.attempts + 1;
  const usage = {
    prompt_tokens: p.state.usage.prompt_tokens + (p.completion.usage?.prompt_tokens ?? 0),
    completion_tokens: p.state.usage.completion_tokens + (p.completion.usage?.completion_tokens ?? 0),
  };
  const model = p.completion.model ?? p.state.model;
  const check = checkSynthOutput(output, p.truth);
  const first = p.state.first ?? { output, problems: check.problems };
  if (check.passed) return { done: { output, valid: true, attempts: attempt, lastProblems: [], keptProblems: [], model, usage } };
  if (attempt > p.retries) {
    return { done: { output: first.output, valid: false, attempts: attempt, lastProblems: check.problems, keptProblems: first.problems, model, usage } };
  }
  return { next: { attempts: attempt, first, previous: { output, correction: correctionMessage(check.problems, p.truth) }, model, usage } };
}

export async function generateWithCorrection(params: GenerateParams): Promise<Generation> {
  let state = newAttemptState(params.model);
  for (;;) {
    const completion = await params.client.chat(attemptRequest({ model: params.model, prompt: params.prompt, state, maxTokens: params.maxTokens }));
    const step = recordAttempt({ state, completion, truth: params.truth, retries: params.retries });
    if ("done" in step) return step.done;
    state = step.next;
  }
}
