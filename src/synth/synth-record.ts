import { firstBlock } from "../eval/protocols.js";
import type { PromptVariant } from "../eval/prompt.js";
import { pyStrip } from "../rewards/python-text.js";
import type { Sample } from "../schema/sample.js";
import type { Generation } from "./generate.js";
import { SYNTH_PROMPT_VERSION } from "./synth-prompt.js";

/**
 * The record a synthesis writes: every input field kept, with
 * - `description`: the reasoning of the kept output (its think block, stripped; the whole
 *   output when it has none), since FEA records hold the analysis text there and the SFT
 *   target is `<think>{description}</think><answer>{label}</answer>`;
 * - `is_valid`: whether an attempt passed the quality check (false = the trainer skips it);
 * - `meta_info.synth`: how it was made (model, attempts, problems of the last attempt,
 *   prompt version and variant), the raw output, and the description it replaced.
 * The provenance sits in `meta_info` (the schema's slot for it), so the file stays a plain
 * FEA file that `data validate --strict` accepts.
 */
export interface SynthInfo {
  model: string;
  attempts: number;
  problems: string[];
  prompt_version: string;
  prompt_variant: PromptVariant;
  /** The raw text of the kept output. */
  output: string;
  /** Invalid records: why the kept (first) output fails. */
  kept_output_problems?: string[];
  /** The input's description, when it had one. */
  source_description?: string;
}

export function synthesizedRecord(sample: Sample, generation: Generation, variant: PromptVariant): Sample & { is_valid: boolean } {
  const think = firstBlock(generation.output, "<think>", "</think>");
  const synth: SynthInfo = {
    model: generation.model,
    attempts: generation.attempts,
    problems: generation.lastProblems.map((p) => p.message),
    prompt_version: SYNTH_PROMPT_VERSION,
    prompt_variant: variant,
    output: generation.output,
    ...(generation.valid ? {} : { kept_output_problems: generation.keptProblems.map((p) => p.message) }),
    ...(sample.description !== undefined ? { source_description: sample.description } : {}),
  };
  return {
    ...sample,
    description: pyStrip(think ?? generation.output),
    is_valid: generation.valid,
    meta_info: { ...(sample.meta_info ?? {}), synth },
  };
}
