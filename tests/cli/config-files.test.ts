import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";

// Every YAML config a command reads says what is wrong the same way: file:line:column, the
// key, what it expects and what it got; never zod's own words.
const ZOD_WORDS = /Invalid input|Unrecognized key|expected object, received/;

test("launch --config: a wrong type names the key, the expected and the given value, at file:line:column", async () => {
  const { dir, cleanup } = await tempDir("facial-r1-config-files-");
  try {
    const config = join(dir, "launch.yaml");
    await writeFile(config, "backend: slurm\nslurm:\n  nodes: four\n  exclusive: maybe\n  partitoin: a800\n");
    const result = await runCli(["launch", dir, "--config", config], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^error: .*launch\.yaml:3:10: slurm\.nodes: expected a whole number, got the string "four"$/m);
    assert.match(result.stderr, /launch\.yaml:4:14: slurm\.exclusive: expected true or false, got the string "maybe"$/m);
    assert.match(result.stderr, /launch\.yaml:5:3: slurm\.partitoin: unknown key "partitoin"; did you mean "partition"\?$/m);
    assert.doesNotMatch(result.stderr, ZOD_WORDS);
  } finally {
    await cleanup();
  }
});

test("reward config (rewards score, plugin build): a wrong type names the key at file:line:column, alone or as a run config's rewards:", async () => {
  const { dir, cleanup } = await tempDir("facial-r1-config-files-");
  try {
    const spec = join(dir, "spec.yaml");
    await writeFile(spec, "preset: facial-r1\nweights:\n  au: [1]\n");
    const run = join(dir, "run.yaml");
    await writeFile(run, "name: x\nrewards:\n  clamp: wide\n");
    const completions = join(dir, "c.jsonl");
    await writeFile(completions, '{"completion": "<answer>x</answer>", "AUs": [], "labels": ["x"]}\n');
    const [score, build] = await Promise.all([
      runCli(["rewards", "score", completions, "--config", spec], { cwd: dir }),
      runCli(["plugin", "build", "--target", "trl", "--out", join(dir, "plugin"), "--config", run], { cwd: dir }),
    ]);
    assert.equal(score.code, 2, score.stderr);
    assert.match(score.stderr, /^error: .*spec\.yaml:3:7: weights\.au: expected a number, got a list$/m);
    assert.equal(build.code, 2, build.stderr);
    assert.match(build.stderr, /^error: .*run\.yaml:3:10: rewards\.clamp: expected .+, got the string "wide"$/m);
    for (const r of [score, build]) assert.doesNotMatch(r.stderr, ZOD_WORDS);
  } finally {
    await cleanup();
  }
});
