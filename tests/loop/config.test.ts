import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { parseLoopConfigFile } from "../../src/loop/config-file.js";
import { stopReason } from "../../src/loop/evaluate.js";
import type { LoopContext } from "../../src/loop/context.js";
import type { RoundState } from "../../src/loop/state.js";
import { starterLoopConfig } from "../../src/loop/starter.js";

const MINIMAL = `name: l
train: {config: run.yaml}
data: {file: train.jsonl, images: img}
pool: {file: pool.jsonl}
eval: {file: test.jsonl, images: img}
endpoint: {url: "http://127.0.0.1:8000/v1", model: m}
stop: {rounds: 2}
`;

describe("loop config", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(() => tmp.cleanup());

  async function parse(text: string) {
    const file = join(tmp.dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, text);
    return parseLoopConfigFile(file);
  }

  it("fills the defaults and puts the output next to the file", async () => {
    const result = await parse(MINIMAL);
    assert.ok(result.ok);
    const { config, out } = result.loaded;
    assert.equal(out, join(tmp.dir, "l"));
    assert.equal(config.launch.backend, "local");
    assert.equal(config.requests.corrections, 5);
    assert.equal(config.eval.judge.enabled, true);
    assert.equal(config.stop.metric, "au.macro_f1");
    assert.equal(config.train.model_from, "base");
  });

  it("reports problems at their line with a suggestion for a misspelt key", async () => {
    const result = await parse(MINIMAL.replace("stop: {rounds: 2}", "stop:\n  rounds: 2\n  min_improvment: 0.01"));
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.field, p.message]),
      [[9, "stop.min_improvment", 'unknown key "min_improvment"; did you mean "min_improvement"?']],
    );
  });

  it("says in plain words which key has the wrong type, what it expected and what it got", async () => {
    const result = await parse(MINIMAL.replace("stop: {rounds: 2}", 'stop:\n  rounds: 0\n  metric: au.macro_f\nrequests: {concurrency: "8x"}'));
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.field, p.message]),
      [
        [8, "stop.rounds", "expected a whole number above 0, got the number 0"],
        [9, "stop.metric", 'expected one of au.macro_f1, au.micro_f1, emotion.accuracy, rouge.rougeL, judge.mean, got the string "au.macro_f"; did you mean "au.macro_f1"?'],
        [10, "requests.concurrency", 'expected a whole number, got the string "8x"'],
      ],
    );
  });

  it("takes exactly one of a running server (url + model) or a serving job", async () => {
    const both = await parse(MINIMAL.replace('model: m}', "model: m, serve: {command: x}}"));
    assert.ok(!both.ok);
    assert.match(both.problems[0].message, /exactly one of url .* or serve/);
    const noModel = await parse(MINIMAL.replace(", model: m}", "}"));
    assert.ok(!noModel.ok);
    assert.equal(noModel.problems[0].field, "endpoint.model");
    const serve = await parse(MINIMAL.replace('endpoint: {url: "http://127.0.0.1:8000/v1", model: m}', "endpoint: {serve: {}}"));
    assert.ok(serve.ok);
    assert.match(serve.loaded.config.endpoint.serve!.command, /vllm serve "\$CHECKPOINT"/);
  });

  it("refuses a push tag equal to its branch", async () => {
    const result = await parse(`${MINIMAL}push: {model: {repo: a/b}, revision: r, tag: r}\n`);
    assert.ok(!result.ok);
    assert.deepEqual([result.problems[0].field, result.problems[0].message], ["push.tag", "the tag must differ from the branch name"]);
  });

  it("the starter validates, and loop init / loop validate write and check it", async () => {
    const parsed = await parse(starterLoopConfig({ name: "fea-loop", runConfig: "run.yaml" }));
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
    assert.ok(parsed.loaded.config.endpoint.serve);

    const file = join(tmp.dir, "loop.yaml");
    const init = await runCli(["loop", "init", file, "--name", "my-loop"]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(await readFile(file, "utf8"), /^name: my-loop$/m);
    assert.equal((await runCli(["loop", "init", file])).code, 2, "no overwrite without --force");
    const validated = await runCli(["loop", "validate", file, "--json"]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.deepEqual(JSON.parse(validated.stdout), { ok: true, problems: [] });
    await writeFile(file, MINIMAL.replace("rounds: 2", "rounds: 0"));
    const invalid = await runCli(["loop", "validate", file]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /loop\.yaml:7:\d+: stop\.rounds: /);
  });
});

describe("stop rule", () => {
  const ctx = (minImprovement?: number) => ({ loaded: { config: { stop: { rounds: 5, metric: "au.macro_f1", min_improvement: minImprovement } } } }) as unknown as LoopContext;
  const round = (k: number, metric: number | null): RoundState => ({ round: k, data: "", eval: { score: "", metric, judge_mean: null } });

  it("stops when the metric improves by less than min_improvement over the round before", () => {
    assert.match(stopReason(ctx(0.01), round(2, 0.505), round(1, 0.5))!, /au\.macro_f1 went from 0\.5 to 0\.505 \(\+0\.005\), less than min_improvement 0\.01/);
    assert.match(stopReason(ctx(0), round(2, 0.4), round(1, 0.5))!, /\(-0\.1\)/);
    assert.equal(stopReason(ctx(0.01), round(2, 0.52), round(1, 0.5)), undefined);
  });

  it("goes on without a rule, without an earlier round, or without a value to compare", () => {
    assert.equal(stopReason(ctx(), round(2, 0.5), round(1, 0.9)), undefined);
    assert.equal(stopReason(ctx(0.01), round(1, 0.5), undefined), undefined);
    assert.equal(stopReason(ctx(0.01), round(2, null), round(1, 0.5)), undefined);
  });
});
