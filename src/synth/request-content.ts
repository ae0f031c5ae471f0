import { join } from "node:path";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { ImageError } from "../data/images.js";
import { imageDataUrl } from "../eval/image-data-url.js";
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
  const parts: ChatCompletionContentPart[] = [];
  for (const image of imagesOf(sample)) {
    try {
      parts.push({ type: "image_url", image_url: { url: await imageDataUrl(params.images, image) } });
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      const where = join(params.images, image);
      throw new Error(err.kind === "missing" ? `image not found: ${where}` : `${where}: ${err.message}`);
    }
  }
  const text = buildSynthPrompt({ question: sample.question, labelSet: params.labelSet, variant: params.variant, AUs: sample.AUs, labels: sample.labels });
  parts.push({ type: "text", text });
  return parts;
}
