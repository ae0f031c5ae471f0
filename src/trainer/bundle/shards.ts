import { open, rename, rm } from "node:fs/promises";
import { FrequencyCounter, type FrequencyEntry } from "../../data/stats.js";
import { failure, invalidInput, TrainerContractError } from "../../util/errors.js";
import { HashedWriter, type WrittenFile } from "../../util/hashed-writer.js";
import { auWeightsFromFrequencies, normalizedWeight, rawRecordWeight } from "../fork-weights.js";
import { isSelected, type Selection } from "../preflight.js";
import { ProfileIds, type Profile, type Spooled } from "./shard-spool.js";

/**
 * What happened to the records of one data file on their way to its shard: records marked
 * `is_valid: false` are left out (counted), and with trainer.drop_empty_aus the records the
 * fork cannot take (counted); sampling keeps the selected ones.
 */
export interface ShardCounts {
  read: number;
  written: number;
  markedInvalid: number;
  /** Left out by trainer.drop_empty_aus. */
  droppedEmptyAus: number;
  notSelected: number;
}

export interface FinishedShard {
  written: WrittenFile;
  /** With `frequencies`: the file's entry of the frequency map, over the records kept. */
  frequencies?: FrequencyEntry;
}

/**
 * The second half of writing a shard (see ShardSpool), once preflight has passed and the
 * file's selection is known. The frequency entry comes from the profiles of the records kept;
 * the fork's weights (`weights`, GRPO) from that entry, per profile. When every record is kept
 * and nothing is added, the spool becomes the shard; otherwise one pass over the spool writes
 * the kept lines, each with its weight, hashing them on the way.
 */
export async function finishShard(params: { spooled: Spooled; selection: Selection; out: string; frequencies: boolean; weights: boolean }): Promise<FinishedShard> {
  const { spooled, selection, out } = params;
  let frequencies: FrequencyEntry | undefined;
  let weights: Float64Array | undefined;
  if (params.frequencies) {
    const profiles = spooled.profiles!;
    const kept = selection.kind === "all" ? profiles.map((p) => p.records) : await keptPerProfile(spooled, selection);
    const counter = new FrequencyCounter();
    profiles.forEach((p, id) => {
      if (kept[id] > 0) counter.add(p.aus, p.labels, kept[id]);
    });
    if (counter.records === 0) throw invalidInput("no records (empty file)", { file: out });
    frequencies = counter.entry();
    if (params.weights) weights = forkWeights(profiles, kept, frequencies, out);
  }
  let written = spooled.written;
  if (!weights && selection.kind === "all" && written.sha256 !== "") await rename(spooled.spool, out);
  else written = await writeKept(spooled, selection, out, weights);
  await rm(spooled.spool, { force: true });
  if (spooled.ids) await rm(spooled.ids, { force: true });
  return { written, frequencies };
}

/** Records kept per profile, from the side file of ids. */
async function keptPerProfile(spooled: Spooled, selection: Selection): Promise<number[]> {
  const kept = new Array<number>(spooled.profiles!.length).fill(0);
  const ids = await ProfileIds.open(spooled.ids!);
  try {
    const step = 64 * 1024;
    for (let start = 0; start < spooled.records; start += step) {
      const end = Math.min(spooled.records, start + step);
      await ids.fill(end - start);
      for (let i = start; i < end; i++) {
        const id = ids.next();
        if (isSelected(selection, i)) kept[id]++;
      }
    }
  } finally {
    await ids.close();
  }
  return kept;
}

/** The fork's weight of a record of each profile (among the records kept), computed as its trainer does. */
function forkWeights(profiles: readonly Profile[], kept: readonly number[], frequencies: FrequencyEntry, file: string): Float64Array {
  const auWeights = auWeightsFromFrequencies(frequencies.AUs);
  const raw = new Float64Array(profiles.length);
  let min = Infinity;
  let max = -Infinity;
  profiles.forEach((p, id) => {
    if (kept[id] === 0) return;
    const result = rawRecordWeight(p.aus, auWeights);
    if ("missing" in result) throw new TrainerContractError(`${result.missing} is not in the file's config.json AU frequencies; the fork would stop with a KeyError`, { file });
    raw[id] = result.weight;
    if (result.weight < min) min = result.weight;
    if (result.weight > max) max = result.weight;
  });
  return raw.map((r, id) => normalizedWeight(r, min, max, profiles[id].aus.length > 0));
}

/**
 * The kept lines of the spool, copied as bytes; with weights, each gets its `weights` field as
 * the last one (where the record had one already, in its place), as serialising the parsed
 * line with the field set would.
 */
async function writeKept(spooled: Spooled, selection: Selection, out: string, weights: Float64Array | undefined): Promise<WrittenFile> {
  const writer = new HashedWriter(out);
  const ids = weights ? await ProfileIds.open(spooled.ids!) : undefined;
  const profiles = spooled.profiles;
  const endings = weights ? Array.from(weights, (w) => `,"weights":${JSON.stringify(w)}}\n`) : [];
  let index = 0;
  try {
    for await (const lines of spoolLines(spooled.spool)) {
      await ids?.fill(lines.length);
      for (const line of lines) {
        const i = index++;
        const id = ids?.next();
        if (!isSelected(selection, i)) continue;
        if (id === undefined) {
          writer.writeBytes(line);
          writer.write("\n");
        } else if (profiles![id].ownWeights) {
          const record = JSON.parse(line.toString("utf8")) as Record<string, unknown>;
          record.weights = weights![id];
          writer.write(`${JSON.stringify(record)}\n`);
        } else {
          writer.writeBytes(line, 0, line.length - 1);
          writer.write(endings[id]);
        }
      }
      await writer.ready();
    }
    return await writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    await ids?.close();
  }
}

/**
 * The lines of a spool (which this module wrote: whole lines, each ending in a newline), as
 * bytes. The lines of one batch share one read buffer, reused for the next batch: use them
 * before asking for it. A line longer than the buffer makes it grow.
 */
async function* spoolLines(path: string): AsyncGenerator<Buffer[]> {
  const file = await open(path, "r");
  let buffer = Buffer.allocUnsafe(1 << 20);
  let carried = 0;
  try {
    while (true) {
      if (carried === buffer.length) {
        const larger = Buffer.allocUnsafe(2 * buffer.length);
        buffer.copy(larger, 0, 0, carried);
        buffer = larger;
      }
      const { bytesRead } = await file.read(buffer, carried, buffer.length - carried, null);
      if (bytesRead === 0) {
        if (carried > 0) throw failure("spool ends inside a line", { file: path });
        return;
      }
      const view = buffer.subarray(0, carried + bytesRead);
      const lines: Buffer[] = [];
      let start = 0;
      for (let newline = view.indexOf(0x0a); newline !== -1; newline = view.indexOf(0x0a, start)) {
        lines.push(view.subarray(start, newline));
        start = newline + 1;
      }
      if (lines.length > 0) yield lines;
      buffer.copy(buffer, 0, start, view.length);
      carried = view.length - start;
    }
  } finally {
    await file.close();
  }
}
