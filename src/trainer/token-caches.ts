import type { ImageInfo } from "../data/images.js";
import { buildPrompt, orderLabelSet } from "../eval/prompt.js";
import type { RunConfig } from "../schema/run-config.js";
import type { Sample } from "../schema/sample.js";
import { imageTokens } from "./image-tokens.js";
import type { TokenCounter } from "./tokenizer.js";
import { vlmR1Prompt } from "./bundle/prompt-text.js";

/** Chat-template tokens around one user turn and the assistant header (Qwen2.5 chat format). */
export const CHAT_TEMPLATE_TOKENS = 20;
/** Prompts remembered at most (questions times label sets); past that the cache starts over. */
const PROMPTS_KEPT = 10_000;

/**
 * Prompt tokens of a record as the trainer builds its prompt: questions and label sets
 * repeat across records, so each prompt is counted once.
 */
export class PromptTokens {
  private readonly byQuestion = new Map<string, Map<string, number>>();
  private kept = 0;

  constructor(
    private readonly config: RunConfig,
    private readonly counter: TokenCounter,
  ) {}

  count(record: Pick<Sample, "question" | "labels">): number {
    const labels = record.labels.length === 1 ? record.labels[0] : record.labels.join(",");
    let byLabels = this.byQuestion.get(record.question);
    let tokens = byLabels?.get(labels);
    if (tokens !== undefined) return tokens;
    tokens = this.counter.count(this.template(record.question.replace(/<image>/g, "").trim(), orderLabelSet(record.labels))) + CHAT_TEMPLATE_TOKENS;
    if (this.kept >= PROMPTS_KEPT) {
      this.byQuestion.clear();
      this.kept = 0;
      byLabels = undefined;
    }
    if (!byLabels) this.byQuestion.set(record.question, (byLabels = new Map()));
    byLabels.set(labels, tokens);
    this.kept++;
    return tokens;
  }

  private template(question: string, labels: readonly string[]): string {
    if (this.config.trainer.target !== "facial-r1") {
      return vlmR1Prompt(question);
    }
    return buildPrompt({ question, labels, variant: this.config.stage === "sft" ? "sft" : "grpo" });
  }
}

/**
 * Image tokens per image size under the model's resize rules. Each size is worked out once:
 * `onRefused` hears the processor's refusal of a size the first time it is seen (such an
 * image counts 0 tokens).
 */
export class ImageTokens {
  private readonly bySize = new Map<string, number>();
  /** Answers share one ImageInfo per file: most lookups end here. */
  private readonly byInfo = new Map<ImageInfo, number>();

  constructor(private readonly model: RunConfig["model"]) {}

  count(info: ImageInfo, onRefused: (message: string) => void): number {
    const known = this.byInfo.get(info);
    if (known !== undefined) return known;
    const key = `${info.width}x${info.height}`;
    let tokens = this.bySize.get(key);
    if (tokens === undefined) {
      try {
        tokens = imageTokens({ height: info.height, width: info.width, minPixels: this.model.min_pixels, maxPixels: this.model.max_pixels });
      } catch (err) {
        onRefused((err as Error).message);
        tokens = 0;
      }
      this.bySize.set(key, tokens);
    }
    this.byInfo.set(info, tokens);
    return tokens;
  }
}
