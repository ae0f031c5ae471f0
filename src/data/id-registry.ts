import { internalError } from "../util/errors.js";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Finds repeated ids across any number of records in a fixed amount of memory. Each id is
 * kept as a 64-bit fingerprint plus where it was first seen (file index, line), 16 bytes,
 * never as the id string. Two different ids share a fingerprint with probability about
 * n² / 2^65 (≈ 3·10⁻⁸ for a million ids).
 *
 * Memory is a fixed budget (default 16 MiB), half for each of:
 * - a blocked Bloom filter over every id registered so far: a miss proves an id is new
 *   with one cache line read;
 * - an open-addressing table of the most recent entries, at most half full, kept in
 *   fingerprint order (an ordered hash table). When it fills up, its entries are written in
 *   that order to a run file in a temporary directory, and the table starts empty again.
 *
 * A filter hit is only a candidate: it is confirmed against the table and then against
 * each run (binary search over a sparse in-memory index of the run, one read of one block;
 * every MERGE_FAN_IN runs of one size are merged into one, so there are few runs),
 * so the filter never causes a false duplicate, and the location reported is the first
 * occurrence, wherever it is kept. What still grows with the input is that sparse index
 * (8 bytes per `blockEntries` spilled ids, 32 KiB per million by default) and the run files.
 */
export interface FirstSeen {
  fileIndex: number;
  line: number;
}

export interface IdRegistryOptions {
  /** Memory for the filter and the table together (default 16 MiB; tests use tiny ones). */
  memoryBytes?: number;
  /** Entries per block of a run file, one block read per look-up (default 256). */
  blockEntries?: number;
  /** Where the temporary run directory is made (default the system temporary folder). */
  tempRoot?: string;
}

export const DEFAULT_ID_MEMORY_BYTES = 16 * 1024 * 1024;
/** Words per entry, side by side so a lookup touches one cache line: hi, lo, file index, line. */
const STRIDE = 4;
const ENTRY_BYTES = STRIDE * 4;
/** Filter block: 16 words = 512 bits = one cache line. */
const BLOCK_WORDS = 16;
const FILTER_BITS_PER_ID = 6;

/** This many runs of one size are merged into one, so a look-up reads few runs. */
const MERGE_FAN_IN = 8;
/** Entries read or written per system call while merging. */
const MERGE_CHUNK_ENTRIES = 4096;

interface Run {
  fd: number;
  path: string;
  count: number;
  /** 0 for a spilled table, n + 1 for a merge of runs of level n. */
  level: number;
  /** hi, lo of the first entry of every block. */
  fences: Uint32Array;
}

export class IdRegistry {
  private readonly tableBits: number;
  private readonly capacity: number;
  private readonly slots: Uint32Array;
  private readonly filter: Int32Array;
  private readonly filterMask: number;
  private readonly blockEntries: number;
  private readonly tempRoot: string;
  private readonly runs: Run[] = [];
  private runDir: string | undefined;
  private runSerial = 0;
  private inTable = 0;
  private total = 0;
  private readonly block: Uint32Array;
  /** Output buffer for spills and merges. */
  private readonly chunk = new Uint32Array(MERGE_CHUNK_ENTRIES * STRIDE);

  constructor(options: IdRegistryOptions = {}) {
    const memory = Math.max(options.memoryBytes ?? DEFAULT_ID_MEMORY_BYTES, 2 * 16 * ENTRY_BYTES);
    // Allocated once at full size; pages count in memory only once written.
    this.tableBits = Math.max(4, Math.floor(Math.log2(memory / 2 / ENTRY_BYTES)));
    this.capacity = 2 ** this.tableBits;
    this.slots = new Uint32Array(this.capacity * STRIDE);
    const filterBlocks = 2 ** Math.max(0, Math.floor(Math.log2(memory / 2 / (BLOCK_WORDS * 4))));
    this.filter = new Int32Array(filterBlocks * BLOCK_WORDS);
    this.filterMask = filterBlocks - 1;
    this.blockEntries = Math.max(1, options.blockEntries ?? 256);
    this.block = new Uint32Array(this.blockEntries * STRIDE);
    this.tempRoot = options.tempRoot ?? tmpdir();
  }

  /** Ids registered. */
  get count(): number {
    return this.total;
  }

  /** Run files in use (0 while everything fits in memory). */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Registers `id`; returns where it was first seen when it is a repeat, else undefined. */
  add(id: string, fileIndex: number, line: number): FirstSeen | undefined {
    fingerprint(id);
    const h = HASH_HI;
    const l = HASH_LO;
    if (this.testAndSetFilter(h, l)) {
      const first = this.findInTable(h, l) ?? this.findInRuns(h, l);
      if (first !== undefined) return first;
    }
    this.insert(h, l, fileIndex, line);
    this.total++;
    if (++this.inTable * 2 > this.capacity) this.spill();
    return undefined;
  }

  /** Closes and deletes the run files. The registry must not be used afterwards. */
  close(): void {
    for (const run of this.runs.splice(0)) closeSync(run.fd);
    if (this.runDir !== undefined) rmSync(this.runDir, { recursive: true, force: true });
    this.runDir = undefined;
  }

  /** Sets the id's filter bits; true when all of them were already set (maybe seen). */
  private testAndSetFilter(h: number, l: number): boolean {
    const filter = this.filter;
    const base = (l & this.filterMask) * BLOCK_WORDS;
    const step = (l >>> 7) | 1;
    let probe = h;
    let seen = true;
    for (let i = 0; i < FILTER_BITS_PER_ID; i++) {
      probe = (probe + step) | 0;
      const bit = probe >>> 23; // 0..511
      const word = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if ((filter[word] & mask) === 0) {
        seen = false;
        filter[word] |= mask;
      }
    }
    return seen;
  }

  private findInTable(h: number, l: number): FirstSeen | undefined {
    const slots = this.slots;
    const wrap = this.capacity * STRIDE - 1;
    let at = (h >>> (32 - this.tableBits)) * STRIDE;
    while (slots[at] !== 0 || slots[at + 1] !== 0) {
      if (slots[at] === h && slots[at + 1] === l) return { fileIndex: slots[at + 2], line: slots[at + 3] };
      at = (at + STRIDE) & wrap;
    }
    return undefined;
  }

  /**
   * Keeps each cluster sorted (an ordered hash table): the home slot is the key's top bits,
   * so the whole table reads in key order, entries wrapped past the end coming last.
   */
  private insert(h: number, l: number, fileIndex: number, line: number): void {
    const slots = this.slots;
    const shift = 32 - this.tableBits;
    const wrap = this.capacity * STRIDE - 1;
    const home = h >>> shift;
    let at = home * STRIDE;
    for (; slots[at] !== 0 || slots[at + 1] !== 0; at = (at + STRIDE) & wrap) {
      const position = at / STRIDE;
      const newWrapped = position < home;
      const entryWrapped = position < slots[at] >>> shift;
      if (newWrapped && !entryWrapped) break;
      if (!newWrapped && entryWrapped) continue;
      if (compare(slots[at], slots[at + 1], h, l) > 0) break;
    }
    let carry0 = h;
    let carry1 = l;
    let carry2 = fileIndex;
    let carry3 = line;
    while (true) {
      const empty = slots[at] === 0 && slots[at + 1] === 0;
      const t0 = slots[at];
      const t1 = slots[at + 1];
      const t2 = slots[at + 2];
      const t3 = slots[at + 3];
      slots[at] = carry0;
      slots[at + 1] = carry1;
      slots[at + 2] = carry2;
      slots[at + 3] = carry3;
      if (empty) return;
      carry0 = t0;
      carry1 = t1;
      carry2 = t2;
      carry3 = t3;
      at = (at + STRIDE) & wrap;
    }
  }

  private findInRuns(h: number, l: number): FirstSeen | undefined {
    for (const run of this.runs) {
      const found = this.findInRun(run, h, l);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private findInRun(run: Run, h: number, l: number): FirstSeen | undefined {
    // Last block whose first key is <= (h, l); keys are unique, so only it can hold the key.
    const fences = run.fences;
    let lo = 0;
    let hi = fences.length / 2 - 1;
    if (compare(fences[0], fences[1], h, l) > 0) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (compare(fences[mid * 2], fences[mid * 2 + 1], h, l) <= 0) lo = mid;
      else hi = mid - 1;
    }
    const start = lo * this.blockEntries;
    const entries = Math.min(this.blockEntries, run.count - start);
    const block = this.block;
    const bytes = entries * ENTRY_BYTES;
    readAll(run.fd, new Uint8Array(block.buffer, 0, bytes), start * ENTRY_BYTES);
    let a = 0;
    let b = entries - 1;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const c = compare(block[mid * STRIDE], block[mid * STRIDE + 1], h, l);
      if (c === 0) return { fileIndex: block[mid * STRIDE + 2], line: block[mid * STRIDE + 3] };
      if (c < 0) a = mid + 1;
      else b = mid - 1;
    }
    return undefined;
  }

  /** Writes the table's entries, in key order, to a new run file and empties it. */
  private spill(): void {
    const slots = this.slots;
    const shift = 32 - this.tableBits;
    // Entries at the start that wrapped around from the end hold the largest keys.
    let wrapped = 0;
    while ((slots[wrapped * STRIDE] !== 0 || slots[wrapped * STRIDE + 1] !== 0) && slots[wrapped * STRIDE] >>> shift > wrapped) wrapped++;
    const fences = new Uint32Array(Math.ceil(this.inTable / this.blockEntries) * 2);
    const file = this.newRunFile();
    const output = this.chunk;
    let buffered = 0;
    let written = 0;
    let previousHi = 0;
    let previousLo = 0;
    for (let k = 0; k < this.capacity; k++) {
      const at = ((k + wrapped) % this.capacity) * STRIDE;
      if (slots[at] === 0 && slots[at + 1] === 0) continue;
      const i = written + buffered;
      if (i > 0 && compare(previousHi, previousLo, slots[at], slots[at + 1]) >= 0) throw internalError("duplicate-id table is out of order");
      previousHi = slots[at];
      previousLo = slots[at + 1];
      if (i % this.blockEntries === 0) {
        fences[(i / this.blockEntries) * 2] = slots[at];
        fences[(i / this.blockEntries) * 2 + 1] = slots[at + 1];
      }
      output.set(slots.subarray(at, at + STRIDE), buffered * STRIDE);
      if (++buffered === MERGE_CHUNK_ENTRIES) {
        writeAll(file.fd, new Uint8Array(output.buffer, 0, buffered * ENTRY_BYTES), written * ENTRY_BYTES);
        written += buffered;
        buffered = 0;
      }
    }
    writeAll(file.fd, new Uint8Array(output.buffer, 0, buffered * ENTRY_BYTES), written * ENTRY_BYTES);
    written += buffered;
    if (written !== this.inTable) throw internalError("duplicate-id table lost entries");
    this.runs.push({ ...file, count: written, level: 0, fences });
    slots.fill(0);
    this.inTable = 0;
    this.mergeFullLevels();
  }

  private newRunFile(): { fd: number; path: string } {
    this.runDir ??= mkdtempSync(join(this.tempRoot, "facial-r1-ids-"));
    const path = join(this.runDir, `run-${this.runSerial++}.bin`);
    return { fd: openSync(path, "w+"), path };
  }

  /** Merges the newest MERGE_FAN_IN runs while they share a level (a log-structured merge). */
  private mergeFullLevels(): void {
    while (this.runs.length >= MERGE_FAN_IN) {
      const tail = this.runs.slice(-MERGE_FAN_IN);
      if (!tail.every((r) => r.level === tail[0].level)) return;
      const merged = this.mergeRuns(tail);
      this.runs.splice(-MERGE_FAN_IN, MERGE_FAN_IN, merged);
    }
  }

  /** k-way merge of sorted runs (their keys are disjoint) into one new run. */
  private mergeRuns(inputs: Run[]): Run {
    const out = this.newRunFile();
    const count = inputs.reduce((n, r) => n + r.count, 0);
    const fences = new Uint32Array(Math.ceil(count / this.blockEntries) * 2);
    const heads = inputs.map((run) => ({ run, buffer: new Uint32Array(MERGE_CHUNK_ENTRIES * STRIDE), loaded: 0, at: 0, next: 0 }));
    const refill = (head: (typeof heads)[number]): void => {
      const entries = Math.min(MERGE_CHUNK_ENTRIES, head.run.count - head.next);
      readAll(head.run.fd, new Uint8Array(head.buffer.buffer, 0, entries * ENTRY_BYTES), head.next * ENTRY_BYTES);
      head.next += entries;
      head.loaded = entries;
      head.at = 0;
    };
    for (const head of heads) refill(head);
    const output = this.chunk;
    let buffered = 0;
    let written = 0;
    for (let i = 0; i < count; i++) {
      let best = -1;
      for (let k = 0; k < heads.length; k++) {
        const head = heads[k];
        if (head.at === head.loaded) continue;
        const p = head.at * STRIDE;
        if (best === -1) {
          best = k;
          continue;
        }
        const b = heads[best];
        const q = b.at * STRIDE;
        if (compare(head.buffer[p], head.buffer[p + 1], b.buffer[q], b.buffer[q + 1]) < 0) best = k;
      }
      const head = heads[best];
      const p = head.at * STRIDE;
      const o = buffered * STRIDE;
      for (let w = 0; w < STRIDE; w++) output[o + w] = head.buffer[p + w];
      if (i % this.blockEntries === 0) {
        fences[(i / this.blockEntries) * 2] = output[o];
        fences[(i / this.blockEntries) * 2 + 1] = output[o + 1];
      }
      if (++head.at === head.loaded && head.next < head.run.count) refill(head);
      if (++buffered === MERGE_CHUNK_ENTRIES || i === count - 1) {
        writeAll(out.fd, new Uint8Array(output.buffer, 0, buffered * ENTRY_BYTES), written * ENTRY_BYTES);
        written += buffered;
        buffered = 0;
      }
    }
    for (const run of inputs) {
      closeSync(run.fd);
      rmSync(run.path, { force: true });
    }
    return { ...out, count, level: inputs[0].level + 1, fences };
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw internalError("duplicate-id run file is shorter than written");
    done += n;
  }
}

/** Orders fingerprints as unsigned (hi, lo) pairs. */
function compare(ah: number, al: number, bh: number, bl: number): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  if (al !== bl) return al < bl ? -1 : 1;
  return 0;
}

let HASH_HI = 0;
let HASH_LO = 0;

/** Two independent 32-bit multiply-xor lanes over the UTF-16 code units, then a final mix. */
function fingerprint(text: string): void {
  let a = 0x9e3779b9 ^ text.length;
  let b = 0x7f4a7c15 ^ Math.imul(text.length, 0x85ebca6b);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 16), 0x2c1b3c6d);
  b = Math.imul(b ^ (b >>> 12), 0x297a2d39);
  b ^= b >>> 15;
  b ^= Math.imul(a, 0x27d4eb2f);
  HASH_HI = a >>> 0;
  HASH_LO = b >>> 0;
  if (HASH_HI === 0 && HASH_LO === 0) HASH_LO = 1;
}
