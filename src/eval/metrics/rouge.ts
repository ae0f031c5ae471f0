import { cachedPorterStemmer } from "./porter.js";

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L exactly as Google's `rouge_score` computes them
 * (`RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=...).score(target, prediction)`).
 */

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeScores {
  rouge1: RougeScore;
  rouge2: RougeScore;
  rougeL: RougeScore;
}

export interface RougeOptions {
  /** Porter-stem tokens longer than 3 characters (rouge_score `use_stemmer=True`). */
  stem: boolean;
}

const stemmer = cachedPorterStemmer();

/**
 * rouge_score's default tokenizer: lowercase, every run of characters outside
 * `[a-z0-9]` becomes a space, split on whitespace, stem tokens longer than 3
 * characters, drop empty tokens.
 */
export function rougeTokenize(text: string, options: RougeOptions): string[] {
  const lower = text.toLowerCase();
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : -1;
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (alnum) {
      if (start === -1) start = i;
    } else if (start !== -1) {
      const token = lower.slice(start, i);
      tokens.push(options.stem && token.length > 3 ? stemmer(token) : token);
      start = -1;
    }
  }
  return tokens;
}

/** 2PR / (P + R), or 0 when P + R is 0 (rouge_score `scoring.fmeasure`). */
export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function score(overlap: number, candidateCount: number, referenceCount: number): RougeScore {
  const precision = overlap / Math.max(candidateCount, 1);
  const recall = overlap / Math.max(referenceCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Token ids shared by every call. The tokenizer hashes each raw lower-case token while
 * scanning and finds it in an open-addressing table over a character pool, so a word
 * seen before costs no string allocation; a new word is stemmed once and mapped to the
 * id of its stemmed form. The table is emptied when it grows past a bound (between
 * scorings only, so ids never change within one pair of texts).
 */
/** ASCII code -> its lower-case token character, or 0 for a separator. */
const TOKEN_CHAR = (() => {
  const table = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) table[c] = c;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = c;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = c | 0x20;
  return table;
})();

class TokenTable {
  private readonly forms = new Map<string, number>();
  private slots = 1 << 16;
  private slotHash = new Int32Array(this.slots);
  private slotStart = new Int32Array(this.slots);
  private slotLength = new Int32Array(this.slots).fill(-1);
  private slotId = new Int32Array(this.slots);
  private entries = 0;
  private pool = new Uint16Array(1 << 18);
  private poolUsed = 0;
  /** Scratch counters indexed by id, always left at zero between calls. */
  counts = new Int32Array(1 << 16);
  private readonly scratch = [new Int32Array(1024), new Int32Array(1024)];

  constructor(
    private readonly stem: boolean,
    private readonly maxEntries = 400_000,
  ) {}

  trim(): void {
    if (this.entries < this.maxEntries) return;
    this.forms.clear();
    this.slotLength.fill(-1);
    this.entries = 0;
    this.poolUsed = 0;
  }

  /**
   * rouge_score's tokens of `text` as ids, in a scratch buffer (`side` 0 or 1 keeps two
   * results alive at once). Lowercase, runs of `[a-z0-9]` are tokens, everything else
   * separates; non-ASCII text is lowercased first because a few non-ASCII letters
   * lowercase to ASCII ones (U+0130, U+212A).
   */
  tokenize(text: string, side: 0 | 1): Int32Array {
    // A few non-ASCII letters lowercase to ASCII ones (U+0130 to "i" + U+0307, U+212A to "k"),
    // so text with non-ASCII characters is lowercased whole first.
    return this.scan(text, side, false) ?? (this.scan(text.toLowerCase(), side, true) as Int32Array);
  }

  /**
   * Token ids of `source` lowercased ASCII-wise; non-ASCII characters separate tokens when
   * `lowered`, otherwise they stop the scan (undefined).
   */
  private scan(source: string, side: 0 | 1, lowered: boolean): Int32Array | undefined {
    const length = source.length;
    // Tokens are separated, so there are at most ceil(length / 2) of them.
    if (this.scratch[side].length <= length >>> 1) this.scratch[side] = new Int32Array((length >>> 1) + 1);
    const out = this.scratch[side];
    const other = lowered ? 0 : -1;
    let n = 0;
    let i = 0;
    while (i < length) {
      let code = source.charCodeAt(i);
      let c = code < 0x80 ? TOKEN_CHAR[code] : other;
      if (c === 0) {
        i++;
        continue;
      }
      if (c < 0) return undefined;
      const start = i;
      let hash = 0;
      do {
        hash = (Math.imul(hash, 31) + c) | 0;
        if (++i === length) break;
        code = source.charCodeAt(i);
        c = code < 0x80 ? TOKEN_CHAR[code] : other;
      } while (c > 0);
      if (c < 0) return undefined;
      out[n++] = this.lookup(source, start, i, hash);
    }
    return out.subarray(0, n);
  }

  private lookup(source: string, start: number, end: number, hash: number): number {
    const length = end - start;
    const mask = this.slots - 1;
    let slot = Math.imul(hash, 0x9e3779b1) & mask;
    for (;;) {
      const stored = this.slotLength[slot];
      if (stored === -1) break;
      if (stored === length && this.slotHash[slot] === hash && this.sameChars(slot, source, start, length)) return this.slotId[slot];
      slot = (slot + 1) & mask;
    }
    return this.insert(slot, source, start, end, hash);
  }

  private sameChars(slot: number, source: string, start: number, length: number): boolean {
    const at = this.slotStart[slot];
    for (let k = 0; k < length; k++) if (this.pool[at + k] !== TOKEN_CHAR[source.charCodeAt(start + k)]) return false;
    return true;
  }

  private insert(slot: number, source: string, start: number, end: number, hash: number): number {
    const token = source.slice(start, end).toLowerCase();
    const form = this.stem && token.length > 3 ? stemmer(token) : token;
    let id = this.forms.get(form);
    if (id === undefined) {
      id = this.forms.size;
      this.forms.set(form, id);
      if (id >= this.counts.length) {
        const grown = new Int32Array(this.counts.length * 2);
        grown.set(this.counts);
        this.counts = grown;
      }
    }
    if (this.poolUsed + token.length > this.pool.length) {
      const grown = new Uint16Array(Math.max(this.pool.length * 2, this.poolUsed + token.length));
      grown.set(this.pool);
      this.pool = grown;
    }
    for (let k = 0; k < token.length; k++) this.pool[this.poolUsed + k] = token.charCodeAt(k);
    this.slotHash[slot] = hash;
    this.slotStart[slot] = this.poolUsed;
    this.slotLength[slot] = token.length;
    this.slotId[slot] = id;
    this.poolUsed += token.length;
    if (++this.entries * 2 > this.slots) this.rehash();
    return id;
  }

  private rehash(): void {
    const old = { hash: this.slotHash, start: this.slotStart, length: this.slotLength, id: this.slotId, slots: this.slots };
    this.slots *= 2;
    this.slotHash = new Int32Array(this.slots);
    this.slotStart = new Int32Array(this.slots);
    this.slotLength = new Int32Array(this.slots).fill(-1);
    this.slotId = new Int32Array(this.slots);
    const mask = this.slots - 1;
    for (let s = 0; s < old.slots; s++) {
      if (old.length[s] === -1) continue;
      let slot = Math.imul(old.hash[s], 0x9e3779b1) & mask;
      while (this.slotLength[slot] !== -1) slot = (slot + 1) & mask;
      this.slotHash[slot] = old.hash[s];
      this.slotStart[slot] = old.start[s];
      this.slotLength[slot] = old.length[s];
      this.slotId[slot] = old.id[s];
    }
  }
}

const tables = { stemmed: new TokenTable(true), plain: new TokenTable(false) };

function unigramOverlap(ref: Int32Array, cand: Int32Array, counts: Int32Array): number {
  for (let i = 0; i < ref.length; i++) counts[ref[i]]++;
  let overlap = 0;
  for (let i = 0; i < cand.length; i++) {
    const id = cand[i];
    if (counts[id] > 0) {
      counts[id]--;
      overlap++;
    }
  }
  for (let i = 0; i < ref.length; i++) counts[ref[i]] = 0;
  return overlap;
}

/**
 * Scratch hash table for clipped bigram overlap: keys are id pairs, values remaining
 * counts. Open addressing with linear probing; the slots one call used are cleared after it.
 */
class BigramTable {
  private size = 1024;
  private keysA = new Int32Array(this.size).fill(-1);
  private keysB = new Int32Array(this.size);
  private counts = new Int32Array(this.size);
  private readonly used: number[] = [];

  overlap(ref: Int32Array, cand: Int32Array): number {
    if (ref.length < 2 || cand.length < 2) return 0;
    if (ref.length * 2 > this.size) this.grow(ref.length * 2);
    const mask = this.size - 1;
    for (let i = 0; i + 1 < ref.length; i++) {
      const slot = this.find(ref[i], ref[i + 1], mask);
      if (this.keysA[slot] === -1) {
        this.keysA[slot] = ref[i];
        this.keysB[slot] = ref[i + 1];
        this.used.push(slot);
      }
      this.counts[slot]++;
    }
    let overlap = 0;
    for (let i = 0; i + 1 < cand.length; i++) {
      const slot = this.find(cand[i], cand[i + 1], mask);
      if (this.keysA[slot] !== -1 && this.counts[slot] > 0) {
        this.counts[slot]--;
        overlap++;
      }
    }
    for (const slot of this.used) {
      this.keysA[slot] = -1;
      this.counts[slot] = 0;
    }
    this.used.length = 0;
    return overlap;
  }

  /** The slot holding (a, b), or the empty slot where it would go. */
  private find(a: number, b: number, mask: number): number {
    let slot = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & mask;
    while (this.keysA[slot] !== -1 && (this.keysA[slot] !== a || this.keysB[slot] !== b)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(atLeast: number): void {
    while (this.size < atLeast) this.size *= 2;
    this.keysA = new Int32Array(this.size).fill(-1);
    this.keysB = new Int32Array(this.size);
    this.counts = new Int32Array(this.size);
  }
}

const bigrams = new BigramTable();

/** Clipped bigram overlap: the size of the multiset intersection of the two bigram lists. */
function bigramOverlap(ref: Int32Array, cand: Int32Array): number {
  return bigrams.overlap(ref, cand);
}

/** Length of the longest common subsequence by the textbook table, two rolling rows (the reference for `lcsLength`). */
export function lcsLengthTable(a: Int32Array, b: Int32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const x = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      if (x === b[j - 1]) current[j] = previous[j - 1] + 1;
      else current[j] = previous[j] > current[j - 1] ? previous[j] : current[j - 1];
    }
    const swap = previous;
    previous = current;
    current = swap;
  }
  return previous[b.length];
}

let slotOfId = new Int32Array(1 << 16).fill(-1);
let masks = new Uint32Array(1024);
let vector = new Uint32Array(64);

/**
 * Length of the longest common subsequence, bit-parallel (Allison-Dix / Hyyrö): one bit
 * per position of the shorter sequence, 32 positions per word; each element of the longer
 * sequence updates the vector V to (V + (V & M)) | (V & ~M), M marking the positions that
 * hold that element. The LCS length is the number of zero bits of V. Elements absent from
 * the shorter sequence leave V unchanged and are skipped.
 */
export function lcsLength(x: Int32Array, y: Int32Array): number {
  const a = x.length <= y.length ? x : y;
  const b = a === x ? y : x;
  const m = a.length;
  if (m === 0) return 0;
  const words = (m + 31) >>> 5;
  let maxId = 0;
  for (let i = 0; i < m; i++) if (a[i] > maxId) maxId = a[i];
  if (maxId >= slotOfId.length) {
    let size = slotOfId.length;
    while (size <= maxId) size *= 2;
    slotOfId = new Int32Array(size).fill(-1);
  }
  if (m * words > masks.length) masks = new Uint32Array(2 * m * words);
  if (words > vector.length) vector = new Uint32Array(2 * words);

  let symbols = 0;
  for (let i = 0; i < m; i++) {
    let slot = slotOfId[a[i]];
    if (slot === -1) {
      slot = symbols++;
      slotOfId[a[i]] = slot;
      masks.fill(0, slot * words, slot * words + words);
    }
    masks[slot * words + (i >>> 5)] |= 1 << (i & 31);
  }
  vector.fill(0xffffffff, 0, words);
  const known = slotOfId.length;
  for (let j = 0; j < b.length; j++) {
    const id = b[j];
    const slot = id < known ? slotOfId[id] : -1;
    if (slot === -1) continue;
    const base = slot * words;
    let carry = 0;
    for (let k = 0; k < words; k++) {
      const v = vector[k];
      const match = masks[base + k];
      const sum = v + ((v & match) >>> 0) + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      vector[k] = ((sum >>> 0) | (v & ~match)) >>> 0;
    }
  }
  for (let i = 0; i < m; i++) slotOfId[a[i]] = -1;

  let zeros = 0;
  for (let i = 0; i < m; i++) if ((vector[i >>> 5] & (1 << (i & 31))) === 0) zeros++;
  return zeros;
}

function scoreIds(ref: Int32Array, cand: Int32Array, table: TokenTable): RougeScores {
  const rouge1 = score(unigramOverlap(ref, cand, table.counts), cand.length, ref.length);
  const rouge2 = score(bigramOverlap(ref, cand), Math.max(cand.length - 1, 0), Math.max(ref.length - 1, 0));
  let rougeL: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };
  if (ref.length > 0 && cand.length > 0) {
    const lcs = lcsLength(ref, cand);
    const precision = lcs / cand.length;
    const recall = lcs / ref.length;
    rougeL = { precision, recall, fmeasure: fmeasure(precision, recall) };
  }
  return { rouge1, rouge2, rougeL };
}

/** `RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer).score(reference, candidate)`. */
export function rougeScores(reference: string, candidate: string, options: RougeOptions = { stem: true }): RougeScores {
  const table = options.stem ? tables.stemmed : tables.plain;
  table.trim();
  const ref = table.tokenize(reference, 0);
  const cand = table.tokenize(candidate, 1);
  return scoreIds(ref, cand, table);
}
