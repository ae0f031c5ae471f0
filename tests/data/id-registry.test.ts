import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { IdRegistry, type FirstSeen } from "../../src/data/id-registry.js";
import { tempDir } from "../helpers/cli.js";

/** A deterministic stream of ids with many repeats, spread over three files. */
function* idStream(count: number, distinct: number): Generator<{ id: string; fileIndex: number; line: number }> {
  let s = 12345;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield { id: `id-${s % distinct}`, fileIndex: i % 3, line: i + 1 };
  }
}

/** Feeds the same ids to the registry and to a Map, and fails at the first disagreement. */
function compareWithMap(registry: IdRegistry, count: number, distinct: number): { repeats: number; firsts: number } {
  const truth = new Map<string, FirstSeen>();
  let repeats = 0;
  for (const { id, fileIndex, line } of idStream(count, distinct)) {
    const got = registry.add(id, fileIndex, line);
    const expected = truth.get(id);
    if (expected === undefined) truth.set(id, { fileIndex, line });
    else repeats++;
    assert.deepEqual(got, expected, `id ${id} at ${fileIndex}:${line}`);
  }
  return { repeats, firsts: truth.size };
}

test("in memory: repeats point at the first occurrence, new ids are never repeats", () => {
  const registry = new IdRegistry();
  try {
    const { repeats, firsts } = compareWithMap(registry, 20_000, 12_000);
    assert.ok(repeats > 0);
    assert.equal(registry.count, firsts);
    assert.equal(registry.spilledRuns, 0);
  } finally {
    registry.close();
  }
});

for (const [memoryBytes, blockEntries] of [
  [512, 1],
  [512, 5],
  [4096, 16],
  [64 * 1024, 256],
] as const) {
  test(`spilled to run files (memory ${memoryBytes} B, blocks of ${blockEntries}): same answers as a Map`, async () => {
    const { dir, cleanup } = await tempDir();
    const registry = new IdRegistry({ memoryBytes, blockEntries, tempRoot: dir });
    try {
      const { repeats, firsts } = compareWithMap(registry, 12_000, 7_000);
      assert.ok(repeats > 1000);
      assert.equal(registry.count, firsts);
      assert.ok(registry.spilledRuns > 0, "the tiny budget must force spilling");
      assert.equal(readdirSync(dir).length, 1, "one temporary run folder");
    } finally {
      registry.close();
      assert.deepEqual(readdirSync(dir), [], "close() removes the run files");
      await cleanup();
    }
  });
}

test("spilled runs are merged, so a look-up reads few of them", async () => {
  const { dir, cleanup } = await tempDir();
  const registry = new IdRegistry({ memoryBytes: 512, tempRoot: dir });
  try {
    // 8 entries per spilled run with a 512-byte budget: 10,000 ids make 1,250 spills.
    for (let i = 0; i < 10_000; i++) assert.equal(registry.add(`u${i}`, 0, i + 1), undefined);
    assert.ok(registry.spilledRuns < 40, `${registry.spilledRuns} runs`);
    assert.deepEqual(registry.add("u0", 1, 1), { fileIndex: 0, line: 1 });
    assert.deepEqual(registry.add("u9999", 1, 2), { fileIndex: 0, line: 10_000 });
    assert.equal(registry.add("u10000", 1, 3), undefined);
  } finally {
    registry.close();
    await cleanup();
  }
  assert.equal(existsSync(dir), false);
});
