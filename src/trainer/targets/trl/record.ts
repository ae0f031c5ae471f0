import type { DatasetEntry, RunConfig } from "../../../schema/run-config.js";
import { imagesOf, type Sample } from "../../../schema/sample.js";
import { promptQuestion, vlmR1Prompt } from "../../bundle/prompt-text.js";

/**
 * One FEA record as TRL's GRPOTrainer reads it (trl 1.13.0 / huggingface/trl@f2cd577,
 * trl/trainer/grpo_trainer.py `_generate_and_score_completions`): a conversational `prompt`
 * whose user message holds one `{"type": "image"}` placeholder per image before the text
 * (data_utils.prepare_multimodal_messages fills them from the `images` column, in order), the
 * `images` column (paths relative to the entry's image folder; the entry script joins them to
 * that folder and casts the column to datasets' Image feature), and the columns the reward
 * functions read: AUs, labels, accu_reward_method. GRPOConfig keeps unused columns
 * (remove_unused_columns defaults to false), so every column reaches the reward functions.
 */
export function trlRecord(_config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown> {
  const images = imagesOf(record);
  return {
    id: record.id,
    prompt: [
      {
        role: "user",
        content: [...images.map(() => ({ type: "image" })), { type: "text", text: vlmR1Prompt(promptQuestion(record)) }],
      },
    ],
    images,
    AUs: record.AUs,
    labels: record.labels,
    accu_reward_method: record.accu_reward_method ?? entry.reward_method ?? null,
  };
}

/** The bundle file of a training file: its basename as JSONL (datasets' json loader reads it). */
export function trlShardName(entry: DatasetEntry): string {
  const base = entry.file.split(/[\\/]/).pop() ?? entry.file;
  return /\.jsonl$/i.test(base) ? base : `${base.replace(/\.[^.]*$/, "")}.jsonl`;
}
