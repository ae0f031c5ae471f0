import { invalidInput } from "../util/errors.js";
import { join } from "node:path";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { ImageError } from "../data/images.js";
import { imageDataUrl } from "./image-data-url.js";

/**
 * A record's images under `root` as `image_url` message parts (data URLs), in order. A
 * missing or broken image throws an Error naming the file, before a request is paid for.
 */
export async function imageParts(root: string, images: readonly string[]): Promise<ChatCompletionContentPart[]> {
  const parts: ChatCompletionContentPart[] = [];
  for (const image of images) {
    try {
      parts.push({ type: "image_url", image_url: { url: await imageDataUrl(root, image) } });
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      const where = join(root, image);
      throw invalidInput(err.kind === "missing" ? `image not found: ${where}` : `${where}: ${err.message}`);
    }
  }
  return parts;
}
