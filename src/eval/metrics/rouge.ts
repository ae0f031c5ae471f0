import { internalError } from "../../util/errors.js";
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

/** Byte -> 1 + alphabet position of its lower-case token character (digits, then letters), or 0 for a separator. */
const SYMBOL = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1 + c - 0x30;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 11 + c - 0x61;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 11 + c - 0x41;
  return table;
})();

/** Symbols are 1..36, so a token is its digits in base 37; up to 10 of them stay below 2^53, exact in a double. */
const BASE = 37;
const PACKED_MAX = 10;

/**
 * Token ids shared by every call. While scanning, each token of up to 10 characters is
 * packed into one number (its characters in base 37), and that number is found in an
 * open-addressing table: a word seen before costs no string allocation and no second pass
 * over its characters. Longer tokens go through a Map of strings. A new word is stemmed
 * once and mapped to the id of its stemmed form.
 *
 * Both token caches are bounded: past `maxEntries` they are emptied, which changes no id.
 * `trim` also forgets the forms (ids change: only between scorings) for callers whose
 * vocabulary keeps growing. A table that is not `learning` gives forms it has not seen the
 * id `UNKNOWN_TOKEN` instead of a new one: such a token matches nothing prepared earlier.
 */
class TokenTable {
  private readonly forms = new Map<string, number>();
  private readonly longTokens = new Map<string, number>();
  private slots = 1 << 12;
  private keys = new Float64Array(this.slots);
  private hashes = new Int32Array(this.slots);
  private ids = new Int32Array(this.slots);
  private packedEntries = 0;
  private readonly scratch = [new Int32Array(1024), new Int32Array(1024)];
  private bytes = Buffer.alloc(1 << 16);
  private learning = true;
  /** Some cached token maps to `UNKNOWN_TOKEN`, which is wrong once its form is learnt. */
  private cachesHoldUnknown = false;

  constructor(
    private readonly stem: boolean,
    private readonly maxEntries = 400_000,
  ) {}

  /** Forgets everything once past the bound (ids change). */
  trim(): void {
    if (this.packedEntries + this.longTokens.size < this.maxEntries) return;
    this.forms.clear();
    this.clearCaches();
  }

  /** Empties the token caches once past the bound (ids stay). */
  limitCaches(): void {
    if (this.packedEntries + this.longTokens.size >= this.maxEntries) this.clearCaches();
  }

  private clearCaches(): void {
    this.longTokens.clear();
    this.keys.fill(0);
    this.packedEntries = 0;
    this.cachesHoldUnknown = false;
  }

  /**
   * rouge_score's tokens of `text` as ids, in a scratch buffer (`side` 0 or 1 keeps two
   * results alive at once). Lowercase, runs of `[a-z0-9]` are tokens, everything else
   * separates. Without `learn`, forms not seen before become `UNKNOWN_TOKEN`.
   */
  tokenize(text: string, side: 0 | 1, learn = true): Int32Array {
    if (learn && this.cachesHoldUnknown) this.clearCaches();
    this.learning = learn;
    // Scanning bytes is faster than charCodeAt. A few non-ASCII letters lowercase to ASCII
    // ones (U+0130 to "i" + U+0307, U+212A to "k"), so text with non-ASCII characters is
    // lowercased whole first; their UTF-8 bytes (all >= 0x80) then separate tokens.
    const ascii = Buffer.byteLength(text, "utf8") === text.length;
    return this.scan(ascii ? this.write(text, "latin1") : this.write(text.toLowerCase(), "utf8"), side);
  }

  /** Writes `text` into `bytes` (growing it to fit); returns the byte count. */
  private write(text: string, encoding: "latin1" | "utf8"): number {
    if (this.bytes.length < 3 * text.length) this.bytes = Buffer.alloc(6 * text.length);
    return this.bytes.write(text, 0, encoding);
  }

  /** Token ids of the first `length` bytes of `bytes`, ASCII-lowercased. */
  private scan(length: number, side: 0 | 1): Int32Array {
    // Tokens are separated, so there are at most ceil(length / 2) of them.
    if (this.scratch[side].length <= length >>> 1) this.scratch[side] = new Int32Array((length >>> 1) + 1);
    const out = this.scratch[side];
    const bytes = this.bytes;
    let n = 0;
    let i = 0;
    while (i < length) {
      let symbol = SYMBOL[bytes[i]];
      if (symbol === 0) {
        i++;
        continue;
      }
      const start = i;
      let key = 0;
      // A 32-bit hash alongside the exact key: cheaper to place in the table than the double.
      let hash = 0;
      do {
        key = key * BASE + symbol;
        hash = (Math.imul(hash, 31) + symbol) | 0;
        if (++i === length) break;
        symbol = SYMBOL[bytes[i]];
      } while (symbol !== 0);
      out[n++] = i - start <= PACKED_MAX ? this.packedId(key, hash, start, i) : this.longId(this.token(start, i));
    }
    return out.subarray(0, n);
  }

  /** The lower-case token in `bytes[start, end)` (ASCII, so latin1 decodes it exactly). */
  private token(start: number, end: number): string {
    return this.bytes.toString("latin1", start, end).toLowerCase();
  }

  private packedId(key: number, hash: number, start: number, end: number): number {
    const mask = this.slots - 1;
    let slot = mix(hash) & mask;
    for (;;) {
      const stored = this.keys[slot];
      if (stored === key) return this.ids[slot];
      if (stored === 0) break;
      slot = (slot + 1) & mask;
    }
    const id = this.idOf(this.token(start, end));
    this.keys[slot] = key;
    this.hashes[slot] = hash;
    this.ids[slot] = id;
    if (++this.packedEntries * 2 > this.slots) this.rehash();
    return id;
  }

  private longId(token: string): number {
    let id = this.longTokens.get(token);
    if (id === undefined) {
      id = this.idOf(token);
      this.longTokens.set(token, id);
    }
    return id;
  }

  /** The id of a token's (stemmed) form, numbering forms as they first appear. */
  private idOf(token: string): number {
    const form = this.stem && token.length > 3 ? stemmer(token) : token;
    let id = this.forms.get(form);
    if (id === undefined) {
      if (!this.learning) {
        this.cachesHoldUnknown = true;
        return UNKNOWN_TOKEN;
      }
      id = this.forms.size;
      this.forms.set(form, id);
    }
    return id;
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldHashes = this.hashes;
    const oldIds = this.ids;
    this.slots *= 2;
    this.keys = new Float64Array(this.slots);
    this.hashes = new Int32Array(this.slots);
    this.ids = new Int32Array(this.slots);
    const mask = this.slots - 1;
    for (let s = 0; s < oldKeys.length; s++) {
      const key = oldKeys[s];
      if (key === 0) continue;
      let slot = mix(oldHashes[s]) & mask;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.hashes[slot] = oldHashes[s];
      this.ids[slot] = oldIds[s];
    }
  }
}

/** Above every real id (so absent from any reference's symbols): a candidate form no reference has. */
const UNKNOWN_TOKEN = 0x7fffffff;

/** Spreads a polynomial string hash over the low bits that pick a slot. */
function mix(hash: number): number {
  const mixed = Math.imul(hash, 0x9e3779b1);
  return mixed ^ (mixed >>> 16);
}

const tables = { stemmed: new TokenTable(true), plain: new TokenTable(false) };

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

/** Bigram overlap for references with more distinct tokens than the dense table takes. */
const bigramTable = new BigramTable();

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

/**
 * Per-call scratch over one sequence `a`: its distinct ids numbered 0..d-1 ("symbols", in
 * `slotOfId`), the symbol at each position (`symbolsA`), the other sequence as symbols
 * (`symbolsB`, -1 where absent from `a`), and each symbol's position bits (`masks`). Unigram,
 * bigram and LCS counting then index small dense arrays instead of hashing ids.
 */
let slotOfId = new Int32Array(1 << 16).fill(-1);
let symbolsA = new Int32Array(1024);
let symbolsB = new Int32Array(1024);
let masks = new Int32Array(1024);
let vector = new Int32Array(64);
let unigramCounts = new Int32Array(1024);
/** Dense bigram counts `d * first + second`, used while d is at most this. */
const DENSE_BIGRAM_SYMBOLS = 256;
const bigramCounts = new Int32Array(DENSE_BIGRAM_SYMBOLS * DENSE_BIGRAM_SYMBOLS);

/** Numbers the distinct ids of `a`, sets their position bits (`words` words each); returns d. */
function markSymbols(a: Int32Array, words: number): number {
  const m = a.length;
  let maxId = 0;
  for (let i = 0; i < m; i++) if (a[i] > maxId) maxId = a[i];
  if (maxId >= slotOfId.length) {
    let size = slotOfId.length;
    while (size <= maxId) size *= 2;
    slotOfId = new Int32Array(size).fill(-1);
  }
  if (m > symbolsA.length) symbolsA = new Int32Array(2 * m);
  if (m * words > masks.length) masks = new Int32Array(2 * m * words);
  if (words > vector.length) vector = new Int32Array(2 * words);
  let symbols = 0;
  for (let i = 0; i < m; i++) {
    let slot = slotOfId[a[i]];
    if (slot === -1) {
      slot = symbols++;
      slotOfId[a[i]] = slot;
      // A loop, not masks.fill: a builtin call per new symbol costs more than the clearing.
      for (let k = slot * words; k < slot * words + words; k++) masks[k] = 0;
    }
    symbolsA[i] = slot;
    masks[slot * words + (i >>> 5)] |= 1 << (i & 31);
  }
  return symbols;
}

/** Writes `b` as symbols of the marked sequence into `symbolsB`. */
function translate(b: Int32Array): void {
  if (b.length > symbolsB.length) symbolsB = new Int32Array(2 * b.length);
  const known = slotOfId.length;
  for (let j = 0; j < b.length; j++) symbolsB[j] = b[j] < known ? slotOfId[b[j]] : -1;
}

function unmark(a: Int32Array): void {
  for (let i = 0; i < a.length; i++) slotOfId[a[i]] = -1;
}

/** Clipped unigram overlap of the marked sequence (length m, d symbols) and `symbolsB` (length n). */
function unigramOverlap(m: number, n: number, d: number): number {
  if (d > unigramCounts.length) unigramCounts = new Int32Array(2 * d);
  const counts = unigramCounts;
  for (let i = 0; i < m; i++) counts[symbolsA[i]]++;
  let overlap = 0;
  for (let j = 0; j < n; j++) {
    const s = symbolsB[j];
    if (s >= 0 && counts[s] > 0) {
      counts[s]--;
      overlap++;
    }
  }
  counts.fill(0, 0, d);
  return overlap;
}

/** Clipped bigram overlap, like `unigramOverlap`, over a dense d x d table (d <= DENSE_BIGRAM_SYMBOLS). */
function denseBigramOverlap(m: number, n: number, d: number): number {
  const counts = bigramCounts;
  for (let i = 0; i + 1 < m; i++) counts[d * symbolsA[i] + symbolsA[i + 1]]++;
  let overlap = 0;
  for (let j = 0; j + 1 < n; j++) {
    const first = symbolsB[j];
    const second = symbolsB[j + 1];
    if (first < 0 || second < 0) continue;
    const key = d * first + second;
    if (counts[key] > 0) {
      counts[key]--;
      overlap++;
    }
  }
  for (let i = 0; i + 1 < m; i++) counts[d * symbolsA[i] + symbolsA[i + 1]] = 0;
  return overlap;
}

/**
 * Length of the longest common subsequence, bit-parallel (Allison-Dix / Hyyrö): one bit
 * per position of the marked sequence, 32 positions per word; each element of the other
 * sequence updates the vector V to (V + (V & M)) | (V & ~M), M marking the positions that
 * hold that element. The LCS length is the number of zero bits of V. Elements absent from
 * the marked sequence leave V unchanged and are skipped.
 */
function lcsOfMarked(m: number, n: number, words: number): number {
  if (words === 1) return zerosOneWord(n, m);
  if (words === 2) return zerosTwoWords(n, m);
  return zerosManyWords(n, m, words);
}

/** Length of the longest common subsequence of two id sequences (see `lcsOfMarked`). */
export function lcsLength(x: Int32Array, y: Int32Array): number {
  const a = x.length <= y.length ? x : y;
  const b = a === x ? y : x;
  if (a.length === 0) return 0;
  const words = (a.length + 31) >>> 5;
  markSymbols(a, words);
  translate(b);
  const lcs = lcsOfMarked(a.length, b.length, words);
  unmark(a);
  return lcs;
}

/** Zero bits of V after the pass over `symbolsB`, when V fits one word (m <= 32). */
function zerosOneWord(n: number, m: number): number {
  const bits = masks;
  const symbols = symbolsB;
  let v = -1;
  for (let j = 0; j < n; j++) {
    const slot = symbols[j];
    if (slot === -1) continue;
    const u = v & bits[slot];
    v = (v + u) | (v - u);
  }
  return popcount(m === 32 ? ~v : ~v & ((1 << m) - 1));
}

/** `zerosManyWords` for two words (m <= 64, the common case), V held in two locals. */
function zerosTwoWords(n: number, m: number): number {
  const bits = masks;
  const symbols = symbolsB;
  let low = -1;
  let high = -1;
  for (let j = 0; j < n; j++) {
    const slot = symbols[j];
    if (slot === -1) continue;
    const uLow = low & bits[2 * slot];
    const uHigh = high & bits[2 * slot + 1];
    const sumLow = (low >>> 0) + (uLow >>> 0);
    const carry = sumLow > 0xffffffff ? 1 : 0;
    low = sumLow | (low - uLow);
    high = (high + uHigh + carry) | (high - uHigh);
  }
  const rest = m - 32;
  return popcount(~low) + popcount(rest === 32 ? ~high : ~high & ((1 << rest) - 1));
}

/** Zero bits of V after the pass over `symbolsB`, V spread over `words` words with carries between them. */
function zerosManyWords(n: number, m: number, words: number): number {
  const bits = masks;
  const symbols = symbolsB;
  vector.fill(-1, 0, words);
  for (let j = 0; j < n; j++) {
    const slot = symbols[j];
    if (slot === -1) continue;
    const base = slot * words;
    let carry = 0;
    for (let k = 0; k < words; k++) {
      const v = vector[k];
      const u = v & bits[base + k];
      const sum = (v >>> 0) + (u >>> 0) + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      vector[k] = sum | (v - u);
    }
  }
  let zeros = 0;
  for (let k = 0; k + 1 < words; k++) zeros += popcount(~vector[k]);
  const rest = m - 32 * (words - 1);
  return zeros + popcount(rest === 32 ? ~vector[words - 1] : ~vector[words - 1] & ((1 << rest) - 1));
}

function popcount(bits: number): number {
  let x = bits - ((bits >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Unigram, bigram and LCS counts of `countShort`: [unigrams, bigrams, lcs]. */
const shortCounts = new Int32Array(3);

/**
 * All three overlaps in one pass over the candidate, for a marked reference of at most 64
 * tokens (LCS vector in two words, bigram keys in the dense table): the common case, where
 * separate passes cost more than the counting itself.
 */
function countShort(cand: Int32Array, m: number, d: number): void {
  // d <= m <= 64: both tables are large enough from the start.
  const unigram = unigramCounts;
  const bigram = bigramCounts;
  for (let i = 0; i < m; i++) unigram[symbolsA[i]]++;
  for (let i = 0; i + 1 < m; i++) bigram[d * symbolsA[i] + symbolsA[i + 1]]++;
  const slots = slotOfId;
  const known = slots.length;
  const bits = masks;
  let unigrams = 0;
  let bigrams = 0;
  let low = -1;
  let high = -1;
  let previous = -1;
  for (let j = 0; j < cand.length; j++) {
    const id = cand[j];
    const slot = id < known ? slots[id] : -1;
    if (slot >= 0) {
      if (unigram[slot] > 0) {
        unigram[slot]--;
        unigrams++;
      }
      if (previous >= 0) {
        const key = d * previous + slot;
        if (bigram[key] > 0) {
          bigram[key]--;
          bigrams++;
        }
      }
      const uLow = low & bits[2 * slot];
      const uHigh = high & bits[2 * slot + 1];
      const sumLow = (low >>> 0) + (uLow >>> 0);
      const carry = sumLow > 0xffffffff ? 1 : 0;
      low = sumLow | (low - uLow);
      high = (high + uHigh + carry) | (high - uHigh);
    }
    previous = slot;
  }
  unigram.fill(0, 0, d);
  for (let i = 0; i + 1 < m; i++) bigram[d * symbolsA[i] + symbolsA[i + 1]] = 0;
  shortCounts[0] = unigrams;
  shortCounts[1] = bigrams;
  // Carries may reach bits at or above m; only the m position bits count.
  const lcs = m <= 32 ? popcount(m === 32 ? ~low : ~low & ((1 << m) - 1)) : popcount(~low) + popcount(m === 64 ? ~high : ~high & ((1 << (m - 32)) - 1));
  shortCounts[2] = lcs;
}

/** ROUGE-1/2/L of two id sequences; all three counts work on the reference's symbols. */
function scoreIds(ref: Int32Array, cand: Int32Array): RougeScores {
  const m = ref.length;
  const n = cand.length;
  let unigrams = 0;
  let bigrams = 0;
  let lcs = 0;
  if (m > 0 && n > 0 && m <= 64) {
    countShort(cand, m, markSymbols(ref, 2));
    unmark(ref);
    unigrams = shortCounts[0];
    bigrams = shortCounts[1];
    lcs = shortCounts[2];
  } else if (m > 0 && n > 0) {
    const words = (m + 31) >>> 5;
    const d = markSymbols(ref, words);
    translate(cand);
    unigrams = unigramOverlap(m, n, d);
    bigrams = d <= DENSE_BIGRAM_SYMBOLS ? denseBigramOverlap(m, n, d) : bigramTable.overlap(ref, cand);
    lcs = lcsOfMarked(m, n, words);
    unmark(ref);
  }
  const rouge1 = score(unigrams, n, m);
  const rouge2 = score(bigrams, Math.max(n - 1, 0), Math.max(m - 1, 0));
  let rougeL: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };
  if (m > 0 && n > 0) {
    const precision = lcs / n;
    const recall = lcs / m;
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
  return scoreIds(ref, cand);
}

/**
 * References tokenized before their candidates arrive (so the work can happen while the
 * dataset is still being read), each later scored once with `rougeScores` semantics. The
 * token ids of all references sit in one growing array. Candidates are tokenized without
 * learning new forms: a form no reference has cannot overlap, so the table holds the
 * references' vocabulary only and never has to forget it.
 */
export class PreparedReferences {
  private tokens = new Int32Array(1 << 16);
  private tokenCount = 0;
  private starts = new Float64Array(1024);
  /** Token count per position; -1 for none added, or already scored. */
  private lengths = new Int32Array(1024).fill(-1);
  private readonly table: TokenTable;

  /** `maxCachedTokens` bounds the token caches (not the references' vocabulary). */
  constructor(options: RougeOptions = { stem: true }, maxCachedTokens?: number) {
    this.table = new TokenTable(options.stem, maxCachedTokens);
  }

  add(position: number, reference: string): void {
    this.table.limitCaches();
    const ids = this.table.tokenize(reference, 0);
    if (position >= this.lengths.length) this.growPositions(position + 1);
    if (this.tokenCount + ids.length > this.tokens.length) {
      const grown = new Int32Array(Math.max(2 * this.tokens.length, this.tokenCount + ids.length));
      grown.set(this.tokens.subarray(0, this.tokenCount));
      this.tokens = grown;
    }
    this.tokens.set(ids, this.tokenCount);
    this.starts[position] = this.tokenCount;
    this.lengths[position] = ids.length;
    this.tokenCount += ids.length;
  }

  /** Scores the candidate against the reference added at `position` (once). */
  score(position: number, candidate: string): RougeScores {
    const length = position < this.lengths.length ? this.lengths[position] : -1;
    if (length === -1) throw internalError(`no reference to score at position ${position}`);
    this.lengths[position] = -1;
    this.table.limitCaches();
    const start = this.starts[position];
    return scoreIds(this.tokens.subarray(start, start + length), this.table.tokenize(candidate, 1, false));
  }

  private growPositions(atLeast: number): void {
    const size = Math.max(2 * this.lengths.length, atLeast);
    const starts = new Float64Array(size);
    const lengths = new Int32Array(size).fill(-1);
    starts.set(this.starts);
    lengths.set(this.lengths);
    this.starts = starts;
    this.lengths = lengths;
  }
}
