import type { DatasetEntry, RunConfig } from "../../../schema/run-config.js";
import { imagesOf, type Sample } from "../../../schema/sample.js";
import type { WrittenFile } from "../../../util/hashed-writer.js";
import { promptQuestion, sftImagePath, vlmR1Prompt } from "../../bundle/prompt-text.js";
import { jsonlToParquet, pq, type ParquetField } from "../parquet.js";


/**
 * One row of verl's RL dataset (verl/utils/dataset/rl_dataset.py at volcengine/verl@b178a3cd56f5):
 * - `prompt`: chat messages; `_build_messages` splits each string content at "<image>" and puts
 *   the row's images there in order, asserting that every image is used;
 * - `images`: dicts handed to qwen_vl_utils.fetch_image (verl/utils/dataset/vision_utils.py):
 *   `{"image": path}` is opened with PIL from the working directory, which the train script
 *   sets to DATA_ROOT (the paths are the config's image folder joined with the record's image);
 * - `data_source` (data.reward_fn_key), `reward_model.ground_truth` and `extra_info` are what
 *   the reward managers pass to compute_score (verl/workers/reward_manager/naive.py).
 * The emitted plugin reads AUs and labels from ground_truth, falling back to extra_info.
 */
export function verlRecord(_config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown> {
  const images = imagesOf(record);
  const truth = { AUs: record.AUs, labels: record.labels };
  return {
    data_source: record.dataset,
    prompt: [{ role: "user", content: `${"<image>".repeat(images.length)}${vlmR1Prompt(promptQuestion(record))}` }],
    images: images.map((image) => ({ image: sftImagePath(entry.images, image) })),
    ability: "facial-expression",
    reward_model: { style: "rule", ground_truth: truth },
    extra_info: { id: String(record.id), dataset: record.dataset, ...truth, accu_reward_method: record.accu_reward_method ?? entry.reward_method ?? null },
  };
}

const strings = pq.list(pq.string);

export const VERL_COLUMNS: readonly ParquetField[] = [
  { name: "data_source", type: pq.string },
  { name: "prompt", type: pq.list(pq.struct({ role: pq.string, content: pq.string })) },
  { name: "images", type: pq.list(pq.struct({ image: pq.string })) },
  { name: "ability", type: pq.string },
  { name: "reward_model", type: pq.struct({ style: pq.string, ground_truth: pq.struct({ AUs: strings, labels: strings }) }) },
  { name: "extra_info", type: pq.struct({ id: pq.string, dataset: pq.string, AUs: strings, labels: strings, accu_reward_method: pq.string }) },
];

export function encodeVerlShard(jsonl: string, out: string): Promise<WrittenFile> {
  return jsonlToParquet(jsonl, out, VERL_COLUMNS);
}
