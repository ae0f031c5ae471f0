/**
 * Finds repeated ids across millions of records in little memory: each id is kept as a
 * 64-bit fingerprint plus where it was first seen (file index, line), 16 bytes per slot in
 * an open-addressing table at most half full, instead of the id string itself. Two different ids share a
 * fingerprint with probability about n² / 2^65 (≈ 3·10⁻⁸ for a million ids).
 */
export interface FirstSeen {
  fileIndex: number;
  line: number;
}

const INITIAL_CAPACITY = 1 << 14;
/** Words per slot, side by side so a lookup touches one cache line: hi, lo, file index, line. */
const STRIDE = 4;

export class IdRegistry {
  private capacity = INITIAL_CAPACITY;
  private size = 0;
  private slots = new Uint32Array(INITIAL_CAPACITY * STRIDE);

  get count(): number {
    return this.size;
  }

  /** Registers `id`; returns where it was first seen when it is a repeat, else undefined. */
  add(id: string, fileIndex: number, line: number): FirstSeen | undefined {
    fingerprint(id);
    const h = HASH_HI;
    const l = HASH_LO;
    const slots = this.slots;
    const mask = this.capacity - 1;
    let at = (l & mask) * STRIDE;
    while (slots[at] !== 0 || slots[at + 1] !== 0) {
      if (slots[at] === h && slots[at + 1] === l) return { fileIndex: slots[at + 2], line: slots[at + 3] };
      at = (at + STRIDE) & (mask * STRIDE + STRIDE - 1);
    }
    slots[at] = h;
    slots[at + 1] = l;
    slots[at + 2] = fileIndex;
    slots[at + 3] = line;
    if (++this.size * 2 > this.capacity) this.grow();
    return undefined;
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    const slots = new Uint32Array(this.capacity * STRIDE);
    const mask = this.capacity - 1;
    const wrap = mask * STRIDE + STRIDE - 1;
    for (let i = 0; i < old.length; i += STRIDE) {
      if (old[i] === 0 && old[i + 1] === 0) continue;
      let at = (old[i + 1] & mask) * STRIDE;
      while (slots[at] !== 0 || slots[at + 1] !== 0) at = (at + STRIDE) & wrap;
      slots[at] = old[i];
      slots[at + 1] = old[i + 1];
      slots[at + 2] = old[i + 2];
      slots[at + 3] = old[i + 3];
    }
    this.slots = slots;
  }
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
