import { readFile } from "node:fs/promises";
import { readImageInfo, resolveInside, type ImageFormat } from "../data/images.js";

const MIME: Readonly<Record<ImageFormat, string>> = {
  png: "image/png",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
};

/**
 * `data:<mime>;base64,...` for an image under `root`. The format comes from the file's bytes
 * (never its extension), after the structural check of `readImageInfo`, so a missing,
 * corrupt or escaping image fails here, before a request is paid for. Throws ImageError.
 */
export async function imageDataUrl(root: string, relative: string): Promise<string> {
  const path = resolveInside(root, relative);
  const info = await readImageInfo(path);
  const bytes = await readFile(path);
  return `data:${MIME[info.format]};base64,${bytes.toString("base64")}`;
}
