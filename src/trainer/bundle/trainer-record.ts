import type { DatasetEntry, RunConfig } from "../../schema/run-config.js";
import { imagesOf, type Sample } from "../../schema/sample.js";
import { sftTarget } from "../preflight.js";
import { targetSpecOf } from "../targets/index.js";
import { promptQuestion, sftImagePath } from "./prompt-text.js";

/**
 * One record in the format the chosen trainer reads:
 * - vlm-r1 (upstream): `{id, image, conversations: [human "<image>question", gpt answer], AUs,
 *   labels, accu_reward_method?}`; AUs and labels ride along as extra columns for the reward
 *   plugin. SFT shards point images at the one --image_root the launcher takes (DATA_ROOT).
 * - facial-r1 (fork): the FEA record itself (GRPO: the shard adds the fork's `weights`), images
 *   relative to the file's folder; for SFT one image path (a string) and a `meta_info` object,
 *   both of which the fork's sft.py requires.
 */
export function trainerRecord(config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown> {
  const spec = targetSpecOf(config);
  if (spec) return spec.record(config, entry, record);
  const sft = config.stage === "sft";
  if (config.trainer.target === "facial-r1") {
    return sft ? { ...record, image: imagesOf(record)[0], meta_info: record.meta_info ?? {} } : { ...record };
  }
  const image = sft ? imagesOf(record).map((i) => sftImagePath(entry.images, i)) : imagesOf(record);
  const imageField = Array.isArray(record.image) ? image : image[0];
  const question = promptQuestion(record);
  const answer = sft ? sftTarget(config, record) : `<answer>${record.labels[0] ?? ""}</answer>`;
  const out: Record<string, unknown> = {
    id: record.id,
    image: imageField,
    conversations: [
      { from: "human", value: `${"<image>".repeat(image.length)}${question}` },
      { from: "gpt", value: answer },
    ],
    AUs: record.AUs,
    labels: record.labels,
  };
  if (record.accu_reward_method !== undefined) out.accu_reward_method = record.accu_reward_method;
  return out;
}
