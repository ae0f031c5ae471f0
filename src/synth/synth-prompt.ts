import type { ChatCompletionContentPart, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { PROMPT_VERSION, buildPrompt, type PromptVariant } from "../eval/prompt.js";
import type { SynthProblem } from "./quality-check.js";
import { truthAUs } from "./quality-check.js";
import { pyStrip } from "../rewards/python-text.js";

/**
 * The stage-3 prompt: the training prompt plus a ground-truth section naming the AUs the
 * analysis must identify and the exact emotion the answer must give; and the correction
 * message that re-prompts a failed attempt with the list of its problems.
 */

/** Bump when the wording below changes; recorded with every synthesized record. */
export const SYNTH_PROMPT_VERSION = `${PROMPT_VERSION}+synth-v1`;

export const GROUND_TRUTH_HEADER = "Ground truth for this image (your output must agree with it exactly):";
export const GROUND_TRUTH_AUS = "- Action Units the analysis must identify:";
export const GROUND_TRUTH_EMOTION = "- Emotion the answer must give:";
export const CORRECTION_HEADER = "Your previous output does not meet the requirements:";

export interface SynthPromptParams {
  question: string;
  /** The file's label set (orderLabelSet), as in the training prompt. */
  labelSet: readonly string[];
  variant?: PromptVariant;
  AUs: readonly string[];
  labels: readonly string[];
}

export function buildSynthPrompt(params: SynthPromptParams): string {
  const training = buildPrompt({ question: params.question, labels: params.labelSet, variant: params.variant });
  const section = groundTruthSection(params);
  return section === undefined ? training : `${training}\n\n${section}`;
}

/** Undefined when the record has neither AUs nor labels (then only the format is checked). */
export function groundTruthSection(truth: Pick<SynthPromptParams, "AUs" | "labels">): string | undefined {
  const aus = truthAUs(truth.AUs);
  const emotion = answerText(truth.labels);
  if (aus.length === 0 && emotion === "") return undefined;
  const lines = [GROUND_TRUTH_HEADER];
  if (aus.length > 0) {
    lines.push(`${GROUND_TRUTH_AUS} ${aus.join(", ")}. Name each of them as AUn inside <think> </think> and name no other Action Unit anywhere in the output.`);
  }
  if (emotion !== "") lines.push(`${GROUND_TRUTH_EMOTION} ${emotion}. Write exactly this inside <answer> </answer>.`);
  lines.push("Describe these movements as what you observe in the image; do not mention that they were given to you.");
  return lines.join("\n");
}

/** The record's labels as the answer must spell them: stripped, unique, in the record's order. */
export function answerText(labels: readonly string[]): string {
  return [...new Set(labels.map(pyStrip).filter((l) => l.length > 0))].join(", ");
}

export function correctionMessage(problems: readonly SynthProblem[], truth: Pick<SynthPromptParams, "AUs" | "labels">): string {
  const aus = truthAUs(truth.AUs);
  const emotion = answerText(truth.labels);
  const think = aus.length > 0 ? `reasoning inside <think> </think> that names exactly ${aus.join(", ")}` : "reasoning inside <think> </think>";
  const answer = emotion !== "" ? `then exactly "${emotion}" inside <answer> </answer>` : "then the emotion word inside <answer> </answer>";
  return [CORRECTION_HEADER, ...problems.map((p) => `- ${p.message}`), `Write the complete output again: ${think}, ${answer}.`].join("\n");
}

/**
 * Messages of one attempt: the prompt alone on the first, then the prompt, the previous
 * output and the correction naming its problems.
 */
export function attemptMessages(
  prompt: ChatCompletionContentPart[],
  previous?: { output: string; correction: string },
): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: prompt }];
  if (previous) {
    messages.push({ role: "assistant", content: previous.output });
    messages.push({ role: "user", content: previous.correction });
  }
  return messages;
}
