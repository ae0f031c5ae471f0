import type { Location, Problem } from "../../util/errors.js";
import type { Sample } from "../../schema/sample.js";

/** How an image reaches `--images-out`; `target` is relative to that folder (and equals `sample.image`). */
export type ImageJob =
  | { kind: "png"; target: string; width: number; height: number; pixels: Uint8Array }
  | { kind: "link"; source: string; target: string }
  | { kind: "crop"; source: string; target: string; box: FaceBox };

export interface FaceBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * What a converter makes of one unit of its input (a row, a frame, a list line). Every unit
 * read yields exactly one outcome, so `read = converted + rejected + dropped` holds by design.
 */
export type Outcome =
  | { kind: "record"; sample: Sample; image?: ImageJob; where?: Location }
  | { kind: "rejected"; problem: Problem; raw?: string }
  | { kind: "dropped"; reason: string; problem?: Problem };

/** hardlink (default; copies across filesystems), copy, or symlink (absolute links to the source). */
export type LinkMode = "hardlink" | "copy" | "symlink";

/** Options every converter understands (the CLI's flags, parsed). */
export interface ConvertOptions {
  input: string;
  /** Source image folder, for datasets whose images are files. */
  images?: string;
  /** Per-dataset image folders (FEA-20K): dataset tag -> folder. */
  imageDirs?: Record<string, string>;
  /** For sources with splits: keep only this split. For sources without: the split tag. */
  split?: string;
  delimiter?: string;
  question?: string;
  /** FER2013: Usage value -> split name. */
  usageMap?: Record<string, string>;
  /** RAF-DB / RAF-AU: inserted before the extension to name the aligned image. */
  alignedSuffix?: string;
  /** AffectNet: crop each image to its face box. */
  crop?: boolean;
  /** DISFA: intensity at or above which an AU counts as present. */
  threshold?: number;
  /** DISFA: keep every N-th frame. */
  every?: number;
  /** DISFA / BP4D: restrict to these AU numbers. */
  aus?: number[];
  /** DISFA / BP4D: image path pattern (see image-template.ts). */
  imageTemplate?: string;
  /** RAF-AU: what to do with lateral codes such as L12 / R12. */
  lateral?: "merge" | "drop";
  /** FEA-20K: map labels to the unified nouns (default true). */
  normalizeLabels?: boolean;
}

export interface Converter {
  /** The `--from` name and the `dataset` tag of its records. */
  name: string;
  title: string;
  /** Option names (keys of ConvertOptions beyond `input`) this converter reads. */
  accepts: readonly (keyof ConvertOptions)[];
  /** Option names it cannot run without. */
  requires?: readonly (keyof ConvertOptions)[];
  convert(options: ConvertOptions): AsyncGenerator<Outcome>;
}

export const EMOTION_QUESTION = "What emotion does the face in this image express?";
export const AU_QUESTION = "Which facial action units are active in the face in this image?";
