import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { toFrequencyMap, type FrequencyMap } from "../../data/stats.js";
import { internalError } from "../../util/errors.js";
import { makeDirectory } from "../../util/fs.js";
import { HashedWriter, type WrittenFile } from "../../util/hashed-writer.js";
import type { DatasetEntry } from "../../schema/run-config.js";
import type { LoadedRunConfig } from "../config-file.js";
import type { DataFileObserver, ObserveDataFile, PreflightReport } from "../preflight.js";
import { shardName } from "../script-prelude.js";
import { targetSpecOf } from "../targets/index.js";
import { ShardSpool } from "./shard-spool.js";
import { finishShard, type ShardCounts } from "./shards.js";

/** Whether a file's sampling keeps every record (then, without weights, its spool is its shard). */
function keepsAll(entry: DatasetEntry): boolean {
  return !entry.sample || entry.sample.strategy === "all";
}

/**
 * The data of a bundle, written while preflight reads every data file (its only read): each
 * training file is spooled for its shard, each test file copied into eval/, and every input
 * hashed as its bytes go by. Once preflight has passed, `finish` completes the shards and the
 * fork's frequency map. Nothing here is read again to be hashed: `outputs` holds the hashes
 * of the files written.
 */
export class BundleData {
  private readonly spools = new Map<number, ShardSpool>();
  private readonly copies: HashedWriter[] = [];
  /** Each input as read, by `role:index`. */
  private readonly inputs = new Map<string, WrittenFile>();
  /** Files written, by their path inside the bundle. */
  readonly outputs = new Map<string, WrittenFile>();

  private constructor(
    private readonly loaded: LoadedRunConfig,
    private readonly dir: string,
  ) {}

  static async create(loaded: LoadedRunConfig, dir: string): Promise<BundleData> {
    await makeDirectory(join(dir, "data"));
    if (loaded.config.eval.datasets.length > 0) await makeDirectory(join(dir, "eval"));
    return new BundleData(loaded, dir);
  }

  private get fork(): boolean {
    return this.loaded.config.trainer.target === "facial-r1";
  }

  /** The fork's GRPO: every record gets its weight in the shard. */
  private get weights(): boolean {
    return this.fork && this.loaded.config.stage !== "sft";
  }

  readonly observe: ObserveDataFile = ({ role, index, file }): DataFileObserver => {
    const key = `${role}:${index}`;
    if (role === "eval") {
      const rel = `eval/${basename(file)}`;
      const copy = new HashedWriter(join(this.dir, rel));
      this.copies.push(copy);
      return {
        bytes: (chunk) => copy.writeBytes(chunk),
        ready: () => copy.ready(),
        done: async () => {
          const written = await copy.close();
          this.inputs.set(key, written);
          this.outputs.set(rel, written);
        },
      };
    }
    const entry = this.loaded.config.datasets[index];
    const spool = new ShardSpool({ config: this.loaded.config, entry, path: join(this.dir, "data", `.spool-${index}`), profiles: this.fork, hash: !this.weights && keepsAll(entry) });
    this.spools.set(index, spool);
    const hash = createHash("sha256");
    let bytes = 0;
    return {
      bytes: (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
      },
      record: (record) => spool.add(record),
      ready: () => spool.ready(),
      done: () => void this.inputs.set(key, { sha256: hash.digest("hex"), bytes }),
    };
  };

  /** The input `role:index` as read. */
  input(role: "train" | "eval", index: number): WrittenFile {
    const known = this.inputs.get(`${role}:${index}`);
    if (!known) throw internalError(`${role} file ${index} was not read`);
    return known;
  }

  /** Writes the shards (and for the fork, returns the frequency map of what they hold). */
  async finish(report: PreflightReport): Promise<{ shards: { file: string; counts: ShardCounts }[]; frequencies?: FrequencyMap }> {
    const config = this.loaded.config;
    const shards: { file: string; counts: ShardCounts }[] = [];
    const entries: { key: string; AUs: Record<string, number>; emotions: Record<string, number> }[] = [];
    for (const [index, entry] of config.datasets.entries()) {
      const facts = report.files.find((f) => f.role === "train" && f.index === index)!;
      const spool = this.spools.get(index);
      if (!spool) throw internalError(`train file ${index} was not read`);
      const spec = targetSpecOf(config);
      const rel = `data/${spec ? spec.shardName(entry) : shardName(entry)}`;
      // A trainer that does not read JSONL gets the finished JSONL shard re-encoded.
      const jsonl = spec?.encodeShard ? join(this.dir, "data", `.encode-${index}.jsonl`) : join(this.dir, rel);
      const finished = await finishShard({
        spooled: await spool.close(),
        selection: report.selections.get(facts.file) ?? { kind: "all" },
        out: jsonl,
        frequencies: this.fork,
        weights: this.weights,
      });
      if (spec?.encodeShard) {
        this.outputs.set(rel, await spec.encodeShard(jsonl, join(this.dir, rel)));
        await rm(jsonl, { force: true });
      } else {
        this.outputs.set(rel, finished.written);
      }
      if (finished.frequencies) entries.push({ key: shardName(entry), ...finished.frequencies });
      const eligible = facts.valid - facts.markedInvalid - facts.droppedEmptyAus;
      shards.push({
        file: rel,
        counts: { read: facts.read, written: facts.selected, markedInvalid: facts.markedInvalid, droppedEmptyAus: facts.droppedEmptyAus, notSelected: eligible - facts.selected },
      });
    }
    return { shards, ...(this.fork ? { frequencies: toFrequencyMap(entries) } : {}) };
  }

  /** Stops every write; the caller removes the folder. */
  async abort(): Promise<void> {
    for (const copy of this.copies) copy.abort();
    for (const spool of this.spools.values()) await spool.abort();
    await rm(join(this.dir, "data"), { recursive: true, force: true });
  }
}
