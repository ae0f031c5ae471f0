import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "./helpers/cli.js";
import { sha256 } from "../src/util/fs.js";

test("quickstart validates, computes stats, shards and plans the bundled sample; reruns give the same bytes", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const human = await runCli(["quickstart", "--out", join(dir, "first")]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, "");
    assert.match(human.stderr, /48 records read: 48 valid, 0 rejected; 48 images checked, 0 failed/);
    assert.ok(human.stderr.includes(join(dir, "first", "config.json")), human.stderr);
    assert.ok(human.stderr.includes(`${join(dir, "first", "shards")}/`), human.stderr);

    const result = await runCli(["quickstart", "--out", join(dir, "second"), "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.ok, true);
    assert.equal(summary.out, join(dir, "second"));
    assert.equal(summary.validate.read, summary.validate.valid + summary.validate.rejected);
    assert.equal(summary.validate.images.checked, 48);

    const config = JSON.parse(await readFile(summary.stats.path, "utf8"));
    assert.deepEqual(Object.keys(config).sort(), ["test.jsonl", "train.jsonl"]);
    assert.ok(config["train.jsonl"].AUs.AU12 > 0 && config["train.jsonl"].AUs.AU12 <= 1);
    assert.deepEqual(summary.stats.records, { "train.jsonl": 36, "test.jsonl": 12 });

    const manifest = JSON.parse(await readFile(summary.shards.manifest, "utf8"));
    assert.equal(manifest.shards.length, summary.shards.count);
    assert.equal(manifest.written, 36);
    let lines = 0;
    for (const file of summary.shards.files) lines += (await readFile(file, "utf8")).split("\n").filter(Boolean).length;
    assert.equal(lines, 36);

    // Same outputs, byte for byte, from the two runs.
    for (const name of await readdir(join(dir, "first", "shards"))) {
      assert.equal(sha256(await readFile(join(dir, "first", "shards", name))), sha256(await readFile(join(dir, "second", "shards", name))), name);
    }
    assert.equal(sha256(await readFile(join(dir, "first", "config.json"))), sha256(await readFile(join(dir, "second", "config.json"))));

    // The planned GRPO bundle: preflight passed, a launchable script and the emitted plugin.
    assert.equal(summary.plan.errors, 0);
    assert.equal(summary.plan.worldSize, 8);
    const bundle = JSON.parse(await readFile(join(summary.plan.dir, "manifest.json"), "utf8"));
    assert.equal(join(summary.plan.dir, bundle.scripts.train), summary.plan.script);
    assert.match(await readFile(summary.plan.script, "utf8"), /^set -euo pipefail$/m);
    await readFile(join(summary.plan.dir, "plugin", "facial_r1_rewards.py"));
    assert.ok(human.stderr.includes(`${join(dir, "first", "run-bundle")}/`), human.stderr);
  } finally {
    await cleanup();
  }
});
