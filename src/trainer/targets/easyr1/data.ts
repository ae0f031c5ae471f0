import type { DatasetEntry, RunConfig } from "../../../schema/run-config.js";
import { imagesOf, type Sample } from "../../../schema/sample.js";
import type { WrittenFile } from "../../../util/hashed-writer.js";
import { promptQuestion, sftImagePath, vlmR1Prompt } from "../../bundle/prompt-text.js";
import { jsonlToParquet, pq, type ParquetField } from "../parquet.js";


/**
 * One row of EasyR1's RLHFDataset (verl/utils/dataset.py at hiyouga/EasyR1@b44b311b669b), read
 * with data.prompt_key=problem, answer_key=answer, image_key=images and no format_prompt (the
 * instruction is in the text already, as on the VLM-R1 path):
 * - `problem`: the text, split at "<image>" into the user message's image and text parts;
 * - `images`: paths, joined to data.image_dir (DATA_ROOT at launch) and opened with PIL;
 * - `answer`: becomes the row's ground_truth, handed to the reward function as it is: a JSON
 *   object {"AUs", "labels"}, which the emitted plugin parses.
 */
export function easyr1Record(_config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown> {
  const images = imagesOf(record);
  return {
    problem: `${"<image>".repeat(images.length)}${vlmR1Prompt(promptQuestion(record))}`,
    answer: JSON.stringify({ AUs: record.AUs, labels: record.labels }),
    images: images.map((image) => sftImagePath(entry.images, image)),
    id: String(record.id),
  };
}

export const EASYR1_COLUMNS: readonly ParquetField[] = [
  { name: "problem", type: pq.string },
  { name: "answer", type: pq.string },
  { name: "images", type: pq.list(pq.string) },
  { name: "id", type: pq.string },
];

export function encodeEasyR1Shard(jsonl: string, out: string): Promise<WrittenFile> {
  return jsonlToParquet(jsonl, out, EASYR1_COLUMNS);
}
