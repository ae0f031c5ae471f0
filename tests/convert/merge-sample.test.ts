import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { put, readJsonlFile } from "./fixtures.js";
import { balancedSample } from "../../src/data/balanced-sample.js";

function record(id: string, dataset: string, label: string | undefined, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, dataset, image: `${id}.png`, question: "q", AUs: [], labels: label ? [label] : [], ...extra });
}

test("data merge: first record per id kept, identical duplicates counted, conflicting ones reported", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    await put(a, [record("fer2013-train-000001", "fer2013", "anger"), record("rafdb-train_00001", "rafdb", "sadness")].join("\n") + "\n");
    await put(
      b,
      [
        // Same content, keys in another order: an identical duplicate.
        JSON.stringify({ dataset: "rafdb", id: "rafdb-train_00001", question: "q", image: "rafdb-train_00001.png", labels: ["sadness"], AUs: [] }),
        record("fer2013-train-000001", "fer2013", "fear"),
        record("disfa-SN001-00001", "disfa", undefined, { AUs: ["AU12"] }),
        "[1, 2]",
      ].join("\n") + "\n",
    );
    const out = join(dir, "all.jsonl");
    const result = await runCli(["data", "merge", a, b, "--out", out, "--json"]);
    assert.equal(result.code, 1, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.deepEqual(
      [summary.read, summary.written, summary.duplicates, summary.conflicts, summary.rejected],
      [6, 3, 1, 1, 1],
    );
    assert.deepEqual(summary.by_dataset, { fer2013: 1, rafdb: 1, disfa: 1 });
    assert.match(result.stderr, new RegExp(`${b}:2: id: id "fer2013-train-000001" conflicts with ${a}:1`));
    assert.match(result.stderr, new RegExp(`${b}:4: id: not a record with an id`));
    const merged = await readJsonlFile(out);
    assert.deepEqual(merged.map((r) => [r.id, r.dataset, r.labels]), [
      ["fer2013-train-000001", "fer2013", ["anger"]],
      ["rafdb-train_00001", "rafdb", ["sadness"]],
      ["disfa-SN001-00001", "disfa", []],
    ]);
    const rejects = await readJsonlFile(join(dir, "all.jsonl.rejects.jsonl"));
    assert.equal(rejects.length, 2);
  } finally {
    await cleanup();
  }
});

test("data sample: at most N per label, input order kept, same seed same bytes", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "train.jsonl");
    const counts: Record<string, number> = { anger: 40, happiness: 100, fear: 3 };
    const lines: string[] = [];
    let n = 0;
    for (let round = 0; round < 100; round++) {
      for (const [label, count] of Object.entries(counts)) if (round < count) lines.push(record(`r${++n}`, "fer2013", label));
    }
    lines.push(record("nolabel", "disfa", undefined));
    await put(file, lines.join("\n") + "\n");

    const out1 = join(dir, "s1.jsonl");
    const result = await runCli(["data", "sample", file, "--per-label", "10", "--seed", "7", "--out", out1, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.deepEqual(summary.labels, { anger: { seen: 40, kept: 10 }, fear: { seen: 3, kept: 3 }, happiness: { seen: 100, kept: 10 } });
    assert.deepEqual(summary.short, ["fear"]);
    assert.equal(summary.unlabeled, 1);
    assert.equal(summary.written, 23);
    assert.match(result.stderr, /fewer than 10 records for fear/);
    const sampled = await readJsonlFile(out1);
    const order = sampled.map((r) => Number(String(r.id).slice(1)));
    assert.deepEqual(order, [...order].sort((x, y) => x - y), "input order");

    const out2 = join(dir, "s2.jsonl");
    await balancedSample({ file, out: out2, perLabel: 10, seed: 7 });
    assert.equal(await readFile(out2, "utf8"), await readFile(out1, "utf8"), "same seed, same bytes");
    const out3 = join(dir, "s3.jsonl");
    await balancedSample({ file, out: out3, perLabel: 10, seed: 8 });
    assert.notEqual(await readFile(out3, "utf8"), await readFile(out1, "utf8"), "another seed, another sample");

    // Reservoir sampling is uniform: over many seeds every happiness record is picked about equally often.
    const picks = new Map<string, number>();
    for (let seed = 0; seed < 200; seed++) {
      const out = join(dir, "u.jsonl");
      await balancedSample({ file, out, perLabel: 10, seed });
      for (const r of await readJsonlFile(out)) if ((r.labels as string[])[0] === "happiness") picks.set(String(r.id), (picks.get(String(r.id)) ?? 0) + 1);
    }
    const values = [...picks.values()];
    assert.equal(values.length, 100, "every happiness record can be picked");
    // Expected 20 picks each (200 seeds x 10 / 100); a biased reservoir (e.g. keeping the first or last 10) fails this.
    assert.ok(Math.max(...values) < 45 && Math.min(...values) > 3, `picks ${Math.min(...values)}..${Math.max(...values)}`);
  } finally {
    await cleanup();
  }
});
