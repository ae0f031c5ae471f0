import { open, rm } from "node:fs/promises";
import type { DatasetEntry, RunConfig } from "../../schema/run-config.js";
import type { Sample } from "../../schema/sample.js";
import { HashedWriter, type WrittenFile } from "../../util/hashed-writer.js";
import { trainerRecord } from "./trainer-record.js";

/**
 * The first half of writing a shard, done while preflight reads the data file: every record
 * that goes to training (before sampling, which needs the count) is written in the trainer's
 * format to a spool, hashed on the way. With `profiles`, each record's AU list and label
 * list (and whether it carries a `weights` field of its own) are interned as a profile, and
 * its profile id goes to a side file of 32-bit ids: the frequency map and the fork's weights
 * are worked out from the profiles without reading a record again.
 */

/** Records that share their AUs, their labels, and whether they bring their own `weights`. */
export interface Profile {
  aus: readonly string[];
  labels: readonly string[];
  ownWeights: boolean;
  /** Records of the spool with this profile. */
  records: number;
}

export interface Spooled {
  spool: string;
  /** The spool's hash (when asked for: it is the shard's when every record is kept and nothing is added) and length. */
  written: WrittenFile;
  /** Records in the spool. */
  records: number;
  /** With profiles: the side file of profile ids, one per record, and the profiles by id. */
  ids?: string;
  profiles?: Profile[];
}

const IDS_PER_BLOCK = 16 * 1024;

export class ShardSpool {
  private readonly lines: HashedWriter;
  private readonly ids: HashedWriter | undefined;
  private block: Uint32Array | undefined;
  private inBlock = 0;
  private readonly byKey = new Map<string, number>();
  private readonly profiles: Profile[] = [];
  private records = 0;

  constructor(
    private readonly params: { config: RunConfig; entry: DatasetEntry; path: string; profiles: boolean; hash: boolean },
  ) {
    this.lines = new HashedWriter(params.path, { hash: params.hash });
    this.ids = params.profiles ? new HashedWriter(`${params.path}.ids`, { hash: false }) : undefined;
  }

  add(record: Sample): void {
    const out = trainerRecord(this.params.config, this.params.entry, record);
    this.lines.write(`${JSON.stringify(out)}\n`);
    this.records++;
    if (!this.ids) return;
    const ownWeights = Object.hasOwn(out, "weights");
    const key = profileKey(record, ownWeights);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.profiles.length;
      this.byKey.set(key, id);
      this.profiles.push({ aus: record.AUs, labels: record.labels, ownWeights, records: 0 });
    }
    this.profiles[id].records++;
    this.block ??= new Uint32Array(IDS_PER_BLOCK);
    this.block[this.inBlock++] = id;
    if (this.inBlock === IDS_PER_BLOCK) this.flushIds();
  }

  /** A promise while the writes are behind the reading. */
  ready(): Promise<void> | undefined {
    return this.lines.ready() ?? this.ids?.ready();
  }

  async close(): Promise<Spooled> {
    this.flushIds();
    const written = await this.lines.close();
    await this.ids?.close();
    return { spool: this.params.path, written, records: this.records, ...(this.ids ? { ids: this.ids.path, profiles: this.profiles } : {}) };
  }

  async abort(): Promise<void> {
    this.lines.abort();
    this.ids?.abort();
    await rm(this.params.path, { force: true });
    if (this.ids) await rm(this.ids.path, { force: true });
  }

  private flushIds(): void {
    if (!this.ids || !this.block || this.inBlock === 0) return;
    this.ids.writeBytes(new Uint8Array(this.block.buffer, 0, this.inBlock * 4));
    this.block = undefined;
    this.inBlock = 0;
  }
}

/**
 * One string per profile: AU tokens (`AU<n>` in a valid record) joined by commas, then the
 * labels joined by NUL, or as JSON when a label holds a NUL itself.
 */
function profileKey(record: Sample, ownWeights: boolean): string {
  const labels = record.labels.some((l) => l.includes("\0")) ? `j${JSON.stringify(record.labels)}` : `p${record.labels.join("\0")}`;
  return `${ownWeights ? "w" : "-"}${record.AUs.join(",")}|${labels}`;
}

/** Reads a side file of profile ids in order: `fill(n)` makes the next n ids available to `next()`. */
export class ProfileIds {
  private ids = new Uint32Array(0);
  private at = 0;
  private readonly file;

  private constructor(file: Awaited<ReturnType<typeof open>>) {
    this.file = file;
  }

  static async open(path: string): Promise<ProfileIds> {
    return new ProfileIds(await open(path, "r"));
  }

  async fill(count: number): Promise<void> {
    const left = this.ids.length - this.at;
    if (left >= count) return;
    const want = Math.max(count, IDS_PER_BLOCK);
    const buf = Buffer.alloc(want * 4);
    new Uint8Array(buf.buffer, buf.byteOffset, left * 4).set(new Uint8Array(this.ids.buffer, this.ids.byteOffset + this.at * 4, left * 4));
    let filled = left * 4;
    while (filled < buf.length) {
      const { bytesRead } = await this.file.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.ids = new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(filled / 4));
    this.at = 0;
  }

  next(): number {
    return this.ids[this.at++];
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
