import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { apportion, splitFiles } from "../../src/data/split.js";
import { parseRatios } from "../../src/cli/data-flags.js";
import { sha256 } from "../../src/util/fs.js";
import type { Problem } from "../../src/util/errors.js";
import { makeRecords, writeJsonl } from "./records.js";

interface Rec {
  id: string;
  meta_info: { subject: string };
}

async function records(path: string): Promise<Rec[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
}

test("apportion: largest remainder, counts add up exactly", () => {
  assert.deepEqual(apportion(10, [0.8, 0.1, 0.1]), [8, 1, 1]);
  assert.deepEqual(apportion(7, [0.8, 0.1, 0.1]), [5, 1, 1]);
  assert.deepEqual(apportion(10, [1 / 3, 1 / 3, 1 / 3]), [4, 3, 3]);
  assert.deepEqual(apportion(3, [0.9, 0, 0.1]), [3, 0, 0]);
  for (let n = 0; n < 200; n += 7) {
    const counts = apportion(n, [0.7, 0.2, 0.1]);
    assert.equal(counts.reduce((a, b) => a + b, 0), n);
    counts.forEach((c, i) => assert.ok(Math.abs(c - n * [0.7, 0.2, 0.1][i]) < 1, `${n}: ${counts}`));
  }
});

test("parseRatios accepts two or three fractions adding up to 1", () => {
  assert.deepEqual(parseRatios("0.8,0.1,0.1"), [0.8, 0.1, 0.1]);
  assert.deepEqual(parseRatios("0.9, 0.1"), [0.9, 0.1]);
  assert.throws(() => parseRatios("0.8,0.1"), /add up to 1/);
  assert.throws(() => parseRatios("1"), /2 or 3/);
  assert.throws(() => parseRatios("0.5,x,0.5"), /2 or 3/);
});

test("CLI: record split has the exact counts, every valid line once, and the same bytes on a rerun", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "all.jsonl");
    const valid = makeRecords({ count: 203 });
    await writeJsonl(input, [...valid.slice(0, 100), '{"id": 1}', ...valid.slice(100)]);
    const run = (out: string) => runCli(["data", "split", input, "--ratios", "0.8,0.1,0.1", "--out", out, "--json"]);
    const first = await run(join(dir, "a"));
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stderr, /all\.jsonl:101: dataset: required field is missing/);
    const manifest = JSON.parse(first.stdout);
    assert.deepEqual([manifest.read, manifest.written, manifest.rejected], [204, 203, 1]);
    assert.deepEqual(
      manifest.splits.map((s: { name: string; records: number }) => [s.name, s.records]),
      [
        // 162.4, 20.3, 20.3: the one record left over goes to the largest remainder (train).
        ["train", 163],
        ["val", 20],
        ["test", 20],
      ],
    );
    const ids = new Set<string>();
    for (const name of ["train", "val", "test"]) for (const r of await records(join(dir, "a", `${name}.jsonl`))) ids.add(r.id);
    assert.equal(ids.size, 203);

    await splitFiles({ files: [input], out: join(dir, "b"), ratios: [0.8, 0.1, 0.1], seed: 42, progress: false });
    for (const name of ["train.jsonl", "val.jsonl", "test.jsonl", "manifest.json"]) {
      assert.equal(sha256(await readFile(join(dir, "a", name))), sha256(await readFile(join(dir, "b", name))), name);
    }
  } finally {
    await cleanup();
  }
});

test("--group-by a dotted path keeps every group in one split and reports the achieved ratios", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "all.jsonl");
    const valid = makeRecords({ count: 600, subjects: 40 });
    const noSubject = { ...valid[0], id: "lonely", meta_info: {} };
    await writeJsonl(input, [...valid, noSubject]);
    const problems: Problem[] = [];
    const { manifest } = await splitFiles({
      files: [input],
      out: join(dir, "out"),
      ratios: [0.8, 0.1, 0.1],
      groupBy: "meta_info.subject",
      seed: 42,
      onProblem: (p) => problems.push(p),
      progress: false,
    });
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 601);
    assert.equal(problems[0].field, "meta_info.subject");
    assert.equal(manifest.rejected, 1);

    const owner = new Map<string, string>();
    let total = 0;
    for (const split of manifest.splits!) {
      const recs = await records(join(dir, "out", split.file));
      assert.equal(recs.length, split.records);
      total += recs.length;
      for (const r of recs) {
        const seen = owner.get(r.meta_info.subject);
        assert.ok(seen === undefined || seen === split.name, `${r.meta_info.subject} in ${seen} and ${split.name}`);
        owner.set(r.meta_info.subject, split.name);
      }
      assert.equal(split.groups, new Set(recs.map((r) => r.meta_info.subject)).size);
      assert.equal(split.ratio, Math.round((split.records / 600) * 10000) / 10000);
      assert.ok(split.records > 0, `${split.name} is empty`);
    }
    assert.equal(total, 600);
    assert.equal(manifest.groups, owner.size);
    // Greedy assignment by groups lands near the target.
    assert.ok(Math.abs(manifest.splits![0].ratio - 0.8) < 0.1, `train ratio ${manifest.splits![0].ratio}`);
  } finally {
    await cleanup();
  }
});

test("--folds with --group-by: subject-exclusive folds, train = all other folds", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "all.jsonl");
    await writeJsonl(input, makeRecords({ count: 300, subjects: 27 }));
    const result = await runCli(["data", "split", input, "--folds", "3", "--group-by", "meta_info.subject", "--out", join(dir, "out")]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /no group is in two test folds/);
    assert.deepEqual((await readdir(join(dir, "out"))).sort(), ["fold-1", "fold-2", "fold-3", "manifest.json"]);
    const testIds: string[][] = [];
    const testSubjects: Set<string>[] = [];
    for (let f = 1; f <= 3; f++) {
      const test = await records(join(dir, "out", `fold-${f}`, "test.jsonl"));
      const train = await records(join(dir, "out", `fold-${f}`, "train.jsonl"));
      assert.equal(test.length + train.length, 300);
      const subjects = new Set(test.map((r) => r.meta_info.subject));
      for (const r of train) assert.ok(!subjects.has(r.meta_info.subject), `fold ${f}: ${r.meta_info.subject} in train and test`);
      testIds.push(test.map((r) => r.id));
      testSubjects.push(subjects);
    }
    const all = testIds.flat();
    assert.equal(all.length, 300);
    assert.equal(new Set(all).size, 300);
    for (const s of testSubjects) assert.ok(s.size > 0);
  } finally {
    await cleanup();
  }
});

test("record-level folds are balanced to within one record", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "all.jsonl");
    await writeJsonl(input, makeRecords({ count: 101 }));
    const { manifest } = await splitFiles({ files: [input], out: join(dir, "out"), folds: 4, seed: 9, progress: false });
    assert.deepEqual(
      manifest.folds!.map((f) => [f.test.records, f.train.records]),
      [
        [26, 75],
        [25, 76],
        [25, 76],
        [25, 76],
      ],
    );
  } finally {
    await cleanup();
  }
});

test("bad ratios, folds with ratios, and an output over the input are refused (exit 2)", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "train.jsonl");
    await writeJsonl(input, makeRecords({ count: 5 }));
    const bad = await runCli(["data", "split", input, "--ratios", "0.7,0.1", "--out", join(dir, "o")]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /add up to 1/);
    await assert.rejects(splitFiles({ files: [input], out: join(dir, "o"), ratios: [0.9, 0.1], folds: 3, seed: 1, progress: false }), /exactly one of --ratios and --folds/);
    const clobber = await runCli(["data", "split", input, "--ratios", "0.9,0.1", "--out", dir]);
    assert.equal(clobber.code, 2);
    assert.match(clobber.stderr, /overwrite an input/);
    assert.equal((await readFile(input, "utf8")).split("\n").filter(Boolean).length, 5);
  } finally {
    await cleanup();
  }
});
