/**
 * Image token arithmetic of the Qwen2-VL / Qwen2.5-VL processor: the image is resized to
 * multiples of 28 (patch 14 × merge 2) with its area kept within [min_pixels, max_pixels],
 * then every 28×28 block becomes one token after merging.
 */
export const PATCH_SIZE = 14;
export const MERGE_SIZE = 2;
export const RESIZE_FACTOR = PATCH_SIZE * MERGE_SIZE;
/** <|vision_start|> and <|vision_end|> around the image pad tokens. */
export const IMAGE_WRAPPER_TOKENS = 2;
const MAX_ASPECT_RATIO = 200;

export interface ResizeParams {
  height: number;
  width: number;
  minPixels: number;
  maxPixels: number;
}

/** Python's round(): halves go to the even neighbour. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The processor's smart_resize: target height and width; throws on an impossible shape. */
export function smartResize({ height, width, minPixels, maxPixels }: ResizeParams): { height: number; width: number } {
  const factor = RESIZE_FACTOR;
  if (Math.max(height, width) / Math.min(height, width) > MAX_ASPECT_RATIO) {
    throw new RangeError(`aspect ratio ${Math.max(height, width) / Math.min(height, width)} exceeds ${MAX_ASPECT_RATIO}`);
  }
  let h = Math.max(factor, pythonRound(height / factor) * factor);
  let w = Math.max(factor, pythonRound(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: h, width: w };
}

/** Tokens one image occupies in the prompt (pad tokens after merging, plus the two wrappers). */
export function imageTokens(params: ResizeParams): number {
  const { height, width } = smartResize(params);
  return (height / RESIZE_FACTOR) * (width / RESIZE_FACTOR) + IMAGE_WRAPPER_TOKENS;
}
