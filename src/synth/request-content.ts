import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { imageParts } from "../eval/image-parts.js";
import type { PromptVariant } from "../eval/prompt.js";
import { imagesOf, type Sample } from "../schema/sample.js";
import { buildSynthPrompt } from "./synth-prompt.js";

/**
 * The first user message of a record: its image(s) as data URLs, then the training prompt
 * with the ground-truth section. A missing or broken image throws an Error naming the file,
 * before any request is paid for.
 */
export async function synthRequestContent(params: {
  sample: Sample;
  images: string;
  labelSet: readonly string[];
  variant: PromptVariant;
}): Promise<ChatCompletionContentPart[]> {
  const { sample } = params;
  const parts = await imageParts(params.images, imagesOf(sample));
  const text = buildSynthPrompt({ question: sample.question, labelSet: params.labelSet, variant: params.variant, AUs: sample.AUs, labels: sample.labels });
  parts.push({ type: "text", text });
  return parts;
}
