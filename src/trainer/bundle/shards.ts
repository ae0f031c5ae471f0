import { isAbsolute, posix } from "node:path";
import { JsonlWriter, readJsonl } from "../../data/jsonl.js";
import { checkRecord } from "../../data/record-check.js";
import type { DatasetEntry, RunConfig } from "../../schema/run-config.js";
import { imagesOf, type Sample } from "../../schema/sample.js";
import { failure } from "../../util/errors.js";
import { isSelected, isTrainable, sftTarget, type Selection } from "../preflight.js";

/**
 * Writes one training file in the record format the chosen trainer reads:
 * - vlm-r1 (upstream): `{id, image, conversations: [human "<image>question", gpt answer], AUs,
 *   labels, accu_reward_method?}`; AUs and labels ride along as extra columns for the reward
 *   plugin. SFT shards point images at the one --image_root the launcher takes (DATA_ROOT).
 * - facial-r1 (fork): the FEA record itself (GRPO: the fork adds `weights` afterwards, see
 *   fork-weights), images relative to the file's folder; for SFT one image path (a string) and a
 *   `meta_info` object, both of which the fork's sft.py requires.
 * Records marked `is_valid: false` are left out (counted), and with trainer.drop_empty_aus the
 * records the fork cannot take (counted); sampling keeps the selected ones.
 */
export interface ShardCounts {
  read: number;
  written: number;
  markedInvalid: number;
  /** Left out by trainer.drop_empty_aus. */
  droppedEmptyAus: number;
  notSelected: number;
}

export async function writeShard(params: {
  config: RunConfig;
  entry: DatasetEntry;
  source: string;
  out: string;
  selection: Selection;
}): Promise<ShardCounts> {
  const { config, entry } = params;
  const counts: ShardCounts = { read: 0, written: 0, markedInvalid: 0, droppedEmptyAus: 0, notSelected: 0 };
  const writer = new JsonlWriter(params.out);
  let eligibleIndex = 0;
  try {
    for await (const item of readJsonl(params.source)) {
      counts.read++;
      if (item.kind !== "value") throw failure(`changed since preflight: ${item.problem.message}`, { file: params.source, line: item.line });
      const check = checkRecord(item.value, { file: params.source, line: item.line });
      if (!check.ok) throw failure("changed since preflight: record no longer valid", { file: params.source, line: item.line });
      const record = check.record;
      if (record.is_valid === false) {
        counts.markedInvalid++;
        continue;
      }
      if (!isTrainable(config, record)) {
        counts.droppedEmptyAus++;
        continue;
      }
      if (!isSelected(params.selection, eligibleIndex++)) {
        counts.notSelected++;
        continue;
      }
      await writer.write(trainerRecord(config, entry, record));
      counts.written++;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return counts;
}

export function trainerRecord(config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown> {
  const sft = config.stage === "sft";
  if (config.trainer.target === "facial-r1") {
    return sft ? { ...record, image: imagesOf(record)[0], meta_info: record.meta_info ?? {} } : { ...record };
  }
  const image = sft ? imagesOf(record).map((i) => sftImagePath(entry.images, i)) : imagesOf(record);
  const imageField = Array.isArray(record.image) ? image : image[0];
  const question = record.question.replace(/<image>/g, "").trim();
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

/** An image path as sft.py joins it to its one image root (DATA_ROOT): absolute folders stay absolute. */
export function sftImagePath(folder: string, image: string): string {
  const base = folder.replace(/\\/g, "/");
  return isAbsolute(folder) ? posix.join(base, image) : posix.join(base.replace(/^\.\//, ""), image);
}
