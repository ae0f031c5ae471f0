import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { renderPlugin } from "../../src/plugins/index.js";
import { RewardSpecSchema } from "../../src/schema/reward-spec.js";
import { scoreCompletion } from "../../src/rewards/score.js";

const records = [
  { completion: "<think>AU12</think>\n<answer>happiness</answer>", AUs: ["AU6", "AU12"], labels: ["happiness"], id: "x" },
  { completion: "<think>AU4</think><answer>Anger.</answer>", AUs: ["AU4"], labels: ["anger"] },
];

test("rewards score --json: one line per input in order; bad lines get a neutral line with an error and exit 1", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "in.jsonl");
    writeFileSync(file, [JSON.stringify(records[0]), "{oops", "", JSON.stringify({ completion: 7 }), JSON.stringify(records[1]), "[1]"].join("\n"));
    const r = await runCli(["rewards", "score", file, "--json"]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    assert.deepEqual(lines[0], scoreCompletion(records[0].completion, records[0]));
    assert.deepEqual(lines[3], scoreCompletion(records[1].completion, records[1]));
    for (const i of [1, 2, 4]) {
      assert.equal(lines[i].total, 0);
      assert.match(lines[i].error, new RegExp(`in\\.jsonl:${[2, 4, 6][[1, 2, 4].indexOf(i)]}: `));
    }
    assert.match(r.stderr, /in\.jsonl:4: completion: expected a string or a message list, got a number/);
    assert.match(r.stderr, /5 lines: 2 scored, 3 invalid/);
  } finally {
    await cleanup();
  }
});

test("rewards score: --preset normalized and --config with a run config's rewards: section", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "in.jsonl");
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const config = join(dir, "run.yaml");
    writeFileSync(config, "model: whatever\nrewards:\n  weights: {format: 0.5, accuracy: 2, au: 1}\n  clamp: [-10, 10]\n");
    const badConfig = join(dir, "bad.yaml");
    writeFileSync(badConfig, "rewards:\n  beta: -1\n");
    const [normalized, weighted, bad, missing] = await Promise.all([
      runCli(["rewards", "score", file, "--json", "--preset", "normalized"]),
      runCli(["rewards", "score", file, "--json", "--config", config]),
      runCli(["rewards", "score", file, "--config", badConfig]),
      runCli(["rewards", "score", join(dir, "nope.jsonl")]),
    ]);
    assert.equal(normalized.code, 0, normalized.stderr);
    assert.equal(JSON.parse(normalized.stdout.split("\n")[1]).accuracy, 1);
    assert.equal(weighted.code, 0, weighted.stderr);
    const spec = RewardSpecSchema.parse({ weights: { format: 0.5, accuracy: 2, au: 1 }, clamp: [-10, 10] });
    assert.deepEqual(JSON.parse(weighted.stdout.split("\n")[0]), scoreCompletion(records[0].completion, records[0], spec));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.yaml:2:9: rewards\.beta: beta must be/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.jsonl: no such file/);
  } finally {
    await cleanup();
  }
});

test("plugin build --target T --out DIR [--config]: writes the rendered files; bad usage exits 2", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const config = join(dir, "spec.json");
    writeFileSync(config, JSON.stringify({ preset: "normalized", clamp: [-10, 10] }));
    const [r, unknownTarget, noTarget] = await Promise.all([
      runCli(["plugin", "build", "--target", "verl", "--out", join(dir, "out"), "--config", config, "--json"]),
      runCli(["plugin", "build", "--target", "ray", "--out", dir]),
      runCli(["plugin", "build", "--out", dir]),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).files, [join(dir, "out", "facial_r1_rewards.py")]);
    const spec = RewardSpecSchema.parse({ preset: "normalized", clamp: [-10, 10] });
    assert.equal(readFileSync(join(dir, "out", "facial_r1_rewards.py"), "utf8"), renderPlugin("verl", spec)[0].content);
    assert.equal(unknownTarget.code, 2);
    assert.equal(noTarget.code, 2);
  } finally {
    await cleanup();
  }
});
