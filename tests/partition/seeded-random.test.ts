import { test } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../src/data/seeded-random.js";

test("xoshiro128** matches the reference outputs for state [1, 2, 3, 4]", () => {
  const random = SeededRandom.fromState([1, 2, 3, 4]);
  const outputs = Array.from({ length: 6 }, () => random.nextUint32());
  // From the authors' C implementation (xoshiro128starstar.c).
  assert.deepEqual(outputs, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

test("the same seed gives the same sequence; another seed a different one", () => {
  const draw = (seed: string | number) => {
    const random = new SeededRandom(seed);
    return Array.from({ length: 8 }, () => random.nextUint32());
  };
  assert.deepEqual(draw(42), draw(42));
  assert.deepEqual(draw("42"), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
});

test("below(n) stays in range and hits every value", () => {
  const random = new SeededRandom(7);
  const seen = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) {
    const x = random.below(7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
    seen[x]++;
  }
  // Each bucket expects 1000; 800..1200 is over 6 standard deviations wide.
  for (const n of seen) assert.ok(n > 800 && n < 1200, `bucket count ${n}`);
  assert.throws(() => random.below(0), RangeError);
  assert.equal(random.below(1), 0);
});

test("shuffle returns a permutation of the range it was given, leaving the rest alone", () => {
  const random = new SeededRandom(3);
  const items = Uint32Array.from({ length: 100 }, (_, i) => i);
  random.shuffle(items, 10, 90);
  assert.deepEqual([...items.subarray(0, 10)], [...Array(10).keys()]);
  assert.deepEqual([...items.subarray(90)], Array.from({ length: 10 }, (_, i) => 90 + i));
  assert.deepEqual([...items.subarray(10, 90)].sort((a, b) => a - b), Array.from({ length: 80 }, (_, i) => 10 + i));
  assert.notDeepEqual([...items.subarray(10, 90)], Array.from({ length: 80 }, (_, i) => 10 + i));
});
