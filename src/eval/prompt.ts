import { ACTION_UNITS, auToken } from "../taxonomy/action-units.js";
import { BASIC_EMOTIONS, EMOTIONS } from "../taxonomy/emotions.js";

/**
 * The prompt a Facial-R1 model is asked with: the question, the allowed emotion words, the
 * Action Unit definitions, the output format, one worked example and the request for concise,
 * unhedged reasoning. Pure: the same inputs give the same text, so prompts can be hashed,
 * cached and compared across commands (infer, synth, judge).
 */
export type PromptVariant = "grpo" | "sft";

export const PROMPT_VARIANTS: readonly PromptVariant[] = ["grpo", "sft"];

/** Bump when the wording changes: cached results keyed on a prompt must not outlive it. */
export const PROMPT_VERSION = "facial-r1-prompt-v1";

export interface PromptParams {
  question: string;
  /** The file's label set; the seven basic emotions when empty. */
  labels?: readonly string[];
  /** `grpo` (default): the full prompt. `sft`: without the worked example, as SFT data teaches the format. */
  variant?: PromptVariant;
}

const AU_DEFINITIONS = Object.entries(ACTION_UNITS)
  .filter(([n]) => Number(n) <= 43)
  .map(([n, name]) => `${auToken(Number(n))}: ${name}`)
  .join("; ");

const WORKED_EXAMPLE = [
  "<think>The inner brows are drawn up and together (AU1, AU4), the lip corners are pulled down (AU15)",
  "and the chin is pushed up (AU17). Raised inner brows with depressed lip corners signal sadness.</think>",
  "<answer>sadness</answer>",
].join(" ");

export function buildPrompt(params: PromptParams): string {
  const labels = params.labels && params.labels.length > 0 ? params.labels : BASIC_EMOTIONS;
  const variant = params.variant ?? "grpo";
  const parts = [
    params.question.trim(),
    `Choose the answer from exactly one of these emotion words: ${labels.join(", ")}.`,
    `Facial Action Units (AUs) you may refer to: ${AU_DEFINITIONS}.`,
    "First reason about the visible facial muscle movements inside <think> </think>, naming each active Action Unit as AUn (for example AU12), then give the single emotion word inside <answer> </answer>.",
  ];
  if (variant === "grpo") parts.push(`Example of the expected output: ${WORKED_EXAMPLE}`);
  parts.push(
    "Keep the reasoning concise and state only what is visible; do not hedge and avoid the words no, not, without and maybe.",
  );
  return parts.join("\n\n");
}

/**
 * The label set of a file in a stable order: the unified emotion words first (in their
 * canonical order), then any other labels alphabetically.
 */
export function orderLabelSet(labels: Iterable<string>): string[] {
  const set = new Set(labels);
  const known = EMOTIONS.filter((e) => set.has(e));
  const other = [...set].filter((l) => !(EMOTIONS as readonly string[]).includes(l)).sort();
  return [...known, ...other];
}
