import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { shardFiles, shardFileName } from "../../src/data/shard.js";
import { MAX_OPEN_OUTPUTS } from "../../src/data/partition.js";
import { parseSeed } from "../../src/cli/data-flags.js";
import { sha256 } from "../../src/util/fs.js";
import type { FacialR1Error, Problem } from "../../src/util/errors.js";
import { makeRecords, writeJsonl } from "./records.js";

async function readLinesOf(path: string): Promise<string[]> {
  return (await readFile(path, "utf8")).split("\n").filter(Boolean);
}

async function hashDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = sha256(await readFile(join(dir, name)));
  return out;
}

test("shard names sort in shard order", () => {
  assert.equal(shardFileName(3, 16), "shard-00003-of-00016.jsonl");
  assert.equal(shardFileName(12, 123456), "shard-000012-of-123456.jsonl");
});

test("CLI: shards hold every valid line once, rejects are located, manifest hashes match, reruns give the same bytes", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const records = makeRecords({ count: 300 });
    const input = join(dir, "in.jsonl");
    const lines: (Record<string, unknown> | string)[] = [...records];
    lines.splice(10, 0, "{not json");
    lines.splice(50, 0, { ...records[0], id: "bad", AUs: ["AU 4x"] });
    lines.splice(120, 0, { id: "x" });
    await writeJsonl(input, lines);

    const run = (out: string, seed = "7") => runCli(["data", "shard", input, "--out", out, "--shards", "4", "--seed", seed, "--stratify", "labels", "--json"]);
    const first = await run(join(dir, "a"));
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stderr, /in\.jsonl:11: invalid JSON/);
    assert.match(first.stderr, /in\.jsonl:51: AUs\[0\]/);
    assert.match(first.stderr, /in\.jsonl:121: /);
    const manifest = JSON.parse(first.stdout);
    assert.equal(manifest.read, 303);
    assert.equal(manifest.written, 300);
    assert.equal(manifest.rejected, 3);
    assert.equal(manifest.shardCount, 4);

    const written: string[] = [];
    for (const shard of manifest.shards) {
      const path = join(dir, "a", shard.file);
      const content = await readFile(path);
      assert.equal(sha256(content), shard.sha256);
      assert.equal(content.length, shard.bytes);
      const shardLines = await readLinesOf(path);
      assert.equal(shardLines.length, shard.records);
      written.push(...shardLines);
      const labels: Record<string, number> = {};
      const aus: Record<string, number> = {};
      for (const line of shardLines) {
        const record = JSON.parse(line) as { labels: string[]; AUs: string[] };
        for (const l of record.labels) labels[l] = (labels[l] ?? 0) + 1;
        for (const a of record.AUs) aus[a] = (aus[a] ?? 0) + 1;
      }
      assert.deepEqual(shard.labels, labels);
      assert.deepEqual(shard.AUs, aus);
    }
    assert.deepEqual(written.sort(), records.map((r) => JSON.stringify(r)).sort());

    const again = await run(join(dir, "b"));
    assert.equal(again.code, 1);
    assert.deepEqual(await hashDir(join(dir, "a")), await hashDir(join(dir, "b")));

    const otherSeed = await run(join(dir, "c"), "8");
    assert.notDeepEqual((await hashDir(join(dir, "c")))[manifest.shards[0].file], (await hashDir(join(dir, "a")))[manifest.shards[0].file]);
    assert.equal(JSON.parse(otherSeed.stdout).written, 300);
  } finally {
    await cleanup();
  }
});

test("stratified shards each carry the label mix of the whole file", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "in.jsonl");
    await writeJsonl(input, makeRecords({ count: 1003, seed: 5 }));
    const { manifest } = await shardFiles({ files: [input], out: join(dir, "out"), shards: 5, seed: 1, stratify: "labels", progress: false });
    assert.equal(manifest.shards.reduce((n, s) => n + s.records, 0), 1003);
    for (const [label, total] of Object.entries(manifest.totals.labels)) {
      const counts = manifest.shards.map((s) => s.labels[label] ?? 0);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${label}: ${counts.join(" ")} (total ${total})`);
    }
    const sizes = manifest.shards.map((s) => s.records);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(" ")}`);
  } finally {
    await cleanup();
  }
});

test("--shard-size gives ceil(records / size) balanced shards; two inputs are read in order", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    await writeJsonl(a, makeRecords({ count: 60, prefix: "a" }));
    await writeJsonl(b, makeRecords({ count: 43, prefix: "b" }));
    const problems: Problem[] = [];
    const { manifest } = await shardFiles({ files: [a, b], out: join(dir, "out"), shardSize: 25, seed: 42, onProblem: (p) => problems.push(p), progress: false });
    assert.equal(problems.length, 0);
    assert.equal(manifest.shardCount, 5);
    for (const shard of manifest.shards) assert.ok(shard.records <= 25 && shard.records >= 20, String(shard.records));
    assert.deepEqual(
      manifest.inputs.map((i) => [i.read, i.accepted, i.rejected]),
      [
        [60, 60, 0],
        [43, 43, 0],
      ],
    );
    // Within a shard, records keep input order: all a-records before b-records, ascending.
    for (const shard of manifest.shards) {
      const ids = (await readLinesOf(join(dir, "out", shard.file))).map((l) => JSON.parse(l).id as string);
      const positions = ids.map((id) => (id.startsWith("a") ? 0 : 1000) + Number(id.slice(1)));
      assert.deepEqual(positions, [...positions].sort((x, y) => x - y));
    }
    const names = (await readdir(join(dir, "out"))).sort();
    assert.deepEqual(names, ["manifest.json", ...manifest.shards.map((s) => s.file)].sort());
  } finally {
    await cleanup();
  }
});

test("usage errors exit 2", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "in.jsonl");
    await writeJsonl(input, makeRecords({ count: 3 }));
    const neither = await runCli(["data", "shard", input, "--out", join(dir, "o")]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /exactly one of --shard-size/);
    const both = await runCli(["data", "shard", input, "--out", join(dir, "o"), "--shards", "2", "--shard-size", "2"]);
    assert.equal(both.code, 2);
    assert.throws(() => parseSeed("-1"), /--seed must be a non-negative integer/);
    assert.equal(parseSeed(undefined), 42);
    await assert.rejects(shardFiles({ files: [join(dir, "nope.jsonl")], out: join(dir, "o"), shards: 2, seed: 1, progress: false }), (err: FacialR1Error) => {
      assert.equal(err.exitCode, 2);
      assert.match(err.toString(), /nope\.jsonl: no such file/);
      return true;
    });
  } finally {
    await cleanup();
  }
});

test("more shards than can be open at once: every record still lands in exactly one shard", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "in.jsonl");
    const records = makeRecords({ count: 400 });
    await writeJsonl(input, records);
    const { manifest } = await shardFiles({ files: [input], out: join(dir, "out"), shards: MAX_OPEN_OUTPUTS + 20, seed: 3, stratify: "dataset", progress: false });
    const ids: string[] = [];
    for (const shard of manifest.shards) {
      const content = await readFile(join(dir, "out", shard.file));
      assert.equal(sha256(content), shard.sha256);
      ids.push(...(await readLinesOf(join(dir, "out", shard.file))).map((l) => JSON.parse(l).id as string));
    }
    assert.equal(ids.length, 400);
    assert.deepEqual(new Set(ids), new Set(records.map((r) => r.id as string)));
    const sizes = manifest.shards.map((s) => s.records);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  } finally {
    await cleanup();
  }
});

test("histograms count a record once per distinct label and AU, multi-label records included", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const input = join(dir, "in.jsonl");
    const [a, b, c] = makeRecords({ count: 3 });
    await writeJsonl(input, [
      { ...a, labels: ["happiness", "surprise"], AUs: ["AU6", "AU12", "AU6"] },
      { ...b, labels: ["happiness"], AUs: ["AU12"] },
      { ...c, labels: ["fear", "fear"], AUs: [] },
    ]);
    const { manifest } = await shardFiles({ files: [input], out: join(dir, "out"), shards: 1, seed: 1, progress: false });
    assert.equal(manifest.written, 3);
    assert.deepEqual(manifest.totals.labels, { fear: 1, happiness: 2, surprise: 1 });
    assert.deepEqual(manifest.totals.AUs, { AU12: 2, AU6: 1 });
  } finally {
    await cleanup();
  }
});
