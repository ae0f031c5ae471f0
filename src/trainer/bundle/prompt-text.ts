import { isAbsolute, posix } from "node:path";
import type { Sample } from "../../schema/sample.js";

/** An image path as sft.py joins it to its one image root (DATA_ROOT): absolute folders stay absolute. */
export function sftImagePath(folder: string, image: string): string {
  const base = folder.replace(/\\/g, "/");
  return isAbsolute(folder) ? posix.join(base, image) : posix.join(base.replace(/^\.\//, ""), image);
}

/** A record's question as VLM-R1 reads it from the conversation: image placeholders removed. */
export function promptQuestion(record: Pick<Sample, "question">): string {
  return record.question.replace(/<image>/g, "").trim();
}

/**
 * The prompt text upstream VLM-R1's GRPO sends the model for a question (its QUESTION_TEMPLATE
 * in grpo_jsonl.py); the other trainers' data carries the same text.
 */
export function vlmR1Prompt(question: string): string {
  return `${question} First output the thinking process in <think> </think> tags and then output the final answer in <answer> </answer> tags.`;
}
