import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { computeStats, round4, writeStats } from "../../src/data/stats.js";
import { runCli, tempDir } from "../helpers/cli.js";

function record(id: string, AUs: string[], labels: string[]): string {
  return JSON.stringify({ id, dataset: "d", image: `${id}.png`, question: "q", AUs, labels });
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

test("fractions of records carrying each AU and label, 4 decimals, keys sorted", async () => {
  await inTemp(async (dir) => {
    const file = join(dir, "train.jsonl");
    await writeFile(
      file,
      [
        record("1", ["AU12", "AU6"], ["happiness"]),
        record("2", ["AU2", "AU1"], ["surprise"]),
        record("3", ["AU12"], ["happiness", "surprise"]),
        record("4", [], ["anger"]),
        record("5", ["AU4", "AU4"], ["anger", "anger"]),
        record("6", ["AU10"], ["sadness"]),
      ].join("\n"),
    );
    const map = await computeStats([file], { progress: false });
    assert.deepEqual(Object.keys(map), ["train.jsonl"]);
    const entry = map["train.jsonl"];
    assert.deepEqual(Object.keys(entry.AUs), ["AU1", "AU2", "AU4", "AU6", "AU10", "AU12"], "AUs in numeric order");
    assert.deepEqual(entry.AUs, { AU1: 0.1667, AU2: 0.1667, AU4: 0.1667, AU6: 0.1667, AU10: 0.1667, AU12: 0.3333 });
    assert.deepEqual(Object.keys(entry.emotions), ["anger", "happiness", "sadness", "surprise"]);
    assert.deepEqual(entry.emotions, { anger: 0.3333, happiness: 0.3333, sadness: 0.1667, surprise: 0.3333 });
  });
});

test("invalid lines are skipped, not counted in the denominator", async () => {
  await inTemp(async (dir) => {
    const file = join(dir, "x.jsonl");
    await writeFile(file, [record("1", ["AU1"], ["fear"]), "{bad", record("2", ["au1"], ["fear"]), record("3", [], ["fear"])].join("\n"));
    const problems: string[] = [];
    const map = await computeStats([file], { progress: false, onProblem: (p) => problems.push(p.message) });
    assert.deepEqual(map["x.jsonl"], { AUs: { AU1: 0.5 }, emotions: { fear: 1 } });
    assert.equal(problems.length, 2);
  });
});

test("round4 rounds to 4 decimals", () => {
  assert.equal(round4(1 / 3), 0.3333);
  assert.equal(round4(2 / 3), 0.6667);
  assert.equal(round4(1), 1);
  assert.equal(round4(0.00004), 0);
});

test("writeStats merges into an existing file, replacing only these files' entries", async () => {
  await inTemp(async (dir) => {
    const out = join(dir, "config.json");
    await writeFile(
      out,
      JSON.stringify({
        "other.jsonl": { AUs: {}, emotions: { neutral: 1 } },
        "train.jsonl": { AUs: { AU9: 1 }, emotions: { disgust: 1 } },
      }),
    );
    const file = join(dir, "train.jsonl");
    await writeFile(file, record("1", ["AU1"], ["anger"]));
    const written = await writeStats({ files: [file], out, progress: false });
    const expected = {
      "other.jsonl": { AUs: {}, emotions: { neutral: 1 } },
      "train.jsonl": { AUs: { AU1: 1 }, emotions: { anger: 1 } },
    };
    assert.deepEqual(written, expected);
    assert.equal(await readFile(out, "utf8"), `${JSON.stringify(expected, null, 2)}\n`);
  });
});

test("bad inputs: an out file that is not a frequency map is never overwritten; empty files and clashing basenames are errors", async () => {
  await inTemp(async (dir) => {
    const file = join(dir, "train.jsonl");
    await writeFile(file, record("1", ["AU1"], ["anger"]));
    const out = join(dir, "config.json");
    await writeFile(out, "{broken");
    await assert.rejects(writeStats({ files: [file], out, progress: false }), /not valid JSON .*refusing to overwrite it/);
    assert.equal(await readFile(out, "utf8"), "{broken");
    await writeFile(out, JSON.stringify({ "a.jsonl": { AUs: [] } }));
    await assert.rejects(writeStats({ files: [file], out, progress: false }), /not a frequency map/);
    const empty = join(dir, "empty.jsonl");
    await writeFile(empty, "");
    await assert.rejects(computeStats([empty], { progress: false }), /no records \(empty file\)/);
    await assert.rejects(computeStats([file, join(dir, "..", "train.jsonl")], { progress: false }), /same basename/);
    await assert.rejects(computeStats([dir], { progress: false }), /is a directory/);
  });
});

test("CLI: writes --out, prints the table on stderr and the map with --json", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    await writeFile(a, [record("1", ["AU1", "AU2"], ["surprise"]), record("2", ["AU1"], ["fear"])].join("\n"));
    await writeFile(b, [record("3", ["AU12"], ["happiness"]), "not json"].join("\n"));
    const out = join(dir, "configs", "config.json");
    const result = await runCli(["data", "stats", a, b, "--out", out, "--json"]);
    assert.equal(result.code, 1, "a skipped line is reported as exit 1");
    const expected = {
      "a.jsonl": { AUs: { AU1: 1, AU2: 0.5 }, emotions: { fear: 0.5, surprise: 0.5 } },
      "b.jsonl": { AUs: { AU12: 1 }, emotions: { happiness: 1 } },
    };
    assert.deepEqual(JSON.parse(result.stdout), expected);
    assert.deepEqual(JSON.parse(await readFile(out, "utf8")), expected);
    assert.match(result.stderr, /^\s+a\.jsonl\s+b\.jsonl$/m);
    assert.match(result.stderr, /^AU1\s+1\.0000\s+-$/m);
    assert.match(result.stderr, /read 4 = counted 3 \+ skipped 1/);
    const missing = await runCli(["data", "stats", join(dir, "nope.jsonl"), "--out", out]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.jsonl: no such file/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
  });
});

test("CLI: --json without --out prints the map and writes nothing", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    await writeFile(a, `${[record("1", ["AU1"], ["surprise"]), record("2", ["AU4"], ["fear"])].join("\n")}\n`);
    const result = await runCli(["data", "stats", a, "--json"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { "a.jsonl": { AUs: { AU1: 0.5, AU4: 0.5 }, emotions: { fear: 0.5, surprise: 0.5 } } });
    assert.deepEqual(await readdir(dir), ["a.jsonl"]);
    const neither = await runCli(["data", "stats", a], { cwd: dir });
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /^error: give --out FILE \(the map to write\) or --json \(print it\), or both$/m);
  });
});
