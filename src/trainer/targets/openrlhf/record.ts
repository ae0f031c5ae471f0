import type { DatasetEntry, RunConfig } from "../../../schema/run-config.js";
import { imagesOf, type Sample } from "../../../schema/sample.js";
import { promptQuestion, sftImagePath, vlmR1Prompt } from "../../bundle/prompt-text.js";
import { shardName } from "../../script-prelude.js";

/** The dataset keys the bundle's records use, passed as --data.input_key / label_key / image_key. */
export const INPUT_KEY = "input";
export const LABEL_KEY = "label";
export const IMAGE_KEY = "images";

/**
 * The bundle file of a training file: JSONL, which blending_datasets (openrlhf/datasets/utils.py
 * at 3c3be6234e0c) loads with the `json` builder when the name ends in .jsonl.
 */
export function openRlhfShardName(entry: DatasetEntry): string {
  return `${shardName(entry).replace(/\.[^.]*$/, "")}.jsonl`;
}

/**
 * One prompt record of train_ppo_ray's PromptDataset (openrlhf/datasets/prompts_dataset.py):
 * - input: one "<image>" per image, then the VLM-R1 prompt text. With --data.apply_chat_template
 *   a string input becomes one user message whose "<image>" tags turn into {"type": "image"}
 *   items (_str_to_content_list), the same conversation VLM-R1 builds;
 * - images: paths relative to DATA_ROOT (the training script makes them absolute at launch:
 *   vlm_utils.load_images opens them with PIL from the Ray workers' own directories);
 * - label: the ground truth as the emitted reward_func decodes it, a JSON object string with
 *   the record's AUs and labels (and accu_reward_method, which the scorer ignores). A string,
 *   not an object: Arrow would give every record the union of the keys, filled with null;
 * - datasource: the key the trainer groups evaluation metrics by.
 */
export function openRlhfRecord(_config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown> {
  const images = imagesOf(record).map((image) => sftImagePath(entry.images, image));
  const method = record.accu_reward_method ?? entry.reward_method;
  const label = { AUs: record.AUs, labels: record.labels, ...(method !== undefined ? { accu_reward_method: method } : {}) };
  return {
    id: record.id,
    [INPUT_KEY]: `${"<image>".repeat(images.length)}${vlmR1Prompt(promptQuestion(record))}`,
    [IMAGE_KEY]: images,
    [LABEL_KEY]: JSON.stringify(label),
    datasource: record.dataset,
  };
}
