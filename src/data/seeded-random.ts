import { createHash } from "node:crypto";

/**
 * A small, documented, seeded pseudo-random generator, so that shards, splits and the
 * sample dataset are the same bytes on every machine and Node version (Math.random is
 * neither seedable nor specified).
 *
 * Generator: xoshiro128** 1.1 (Blackman and Vigna, https://prng.di.unimi.it/).
 * Seeding: the 128-bit state is the first 16 bytes of SHA-256(`facial-r1:<seed>`), read
 * as four little-endian unsigned 32-bit words (an all-zero state, which the generator
 * cannot leave, is replaced by [1, 0, 0, 0]).
 * Integers below n: rejection sampling on the 32-bit output, so every value is equally
 * likely (no modulo bias).
 */
export class SeededRandom {
  private readonly s = new Uint32Array(4);

  constructor(seed: string | number) {
    const digest = createHash("sha256").update(`facial-r1:${seed}`).digest();
    for (let i = 0; i < 4; i++) this.s[i] = digest.readUInt32LE(i * 4);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** A generator with an explicit state (four 32-bit words, not all zero); for checking against reference outputs. */
  static fromState(state: readonly [number, number, number, number]): SeededRandom {
    const random = new SeededRandom(0);
    for (let i = 0; i < 4; i++) random.s[i] = state[i] >>> 0;
    if ((random.s[0] | random.s[1] | random.s[2] | random.s[3]) === 0) throw new RangeError("xoshiro128** state must not be all zero");
    return random;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniformly distributed integer in [0, n), for 1 <= n <= 2^32. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError(`below(n) needs an integer 1..2^32, got ${n}`);
    if (n === 1) return 0;
    // Largest multiple of n that fits in 2^32: outputs at or above it are redrawn.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Picks one element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick() from an empty list");
    return items[this.below(items.length)];
  }

  /**
   * Shuffles `items[start, end)` in place (Fisher-Yates, drawing from the end down),
   * so that every order is equally likely.
   */
  shuffle<T extends { [index: number]: unknown; length: number }>(items: T, start = 0, end = items.length): T {
    for (let i = end - 1; i > start; i--) {
      const j = start + this.below(i - start + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
