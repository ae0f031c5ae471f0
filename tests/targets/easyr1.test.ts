import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { testPython } from "../helpers/python-env.js";
// The registry first: the spec modules and the planner import each other through it.
import "../../src/trainer/targets/index.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { EASYR1_CONFIG_KEYS, EASYR1_DERIVED_KEYS } from "../../src/trainer/targets/easyr1/keys.js";
import { EASYR1_VOCABULARY } from "../../src/trainer/targets/easyr1/rules.js";
import { easyr1FileRows, easyr1Metrics } from "../../src/trainer/targets/easyr1/metrics.js";
import { completionsFor, derivedKeys, plan, plannedQuickstart, python, quickstartFor, quickstartRecords, runProcess, scriptOverrides, STAND_IN, standInEnv } from "./ray-targets.js";

/** Every dotted path of a YAML tree's leaves. */
function leafKeys(tree: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (v && typeof v === "object" && !Array.isArray(v) ? leafKeys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("trainer.target easyr1", () => {
  let dir: string;
  let bundle: string;

  before(async () => {
    ({ dir, bundle } = await plannedQuickstart("easyr1"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("lists exactly the fields of EasyR1's PPOConfig tree at the named commit", async (t) => {
    const keys = await derivedKeys(t, "easyr1");
    if (!keys) return;
    assert.deepEqual([...EASYR1_CONFIG_KEYS], keys.derived.keys);
    assert.deepEqual([...EASYR1_DERIVED_KEYS], keys.derived.derived);
    assert.deepEqual(keys.standIn, keys.derived, "the stand-in refuses the same keys");
  });

  it("emits a config file and overrides with only keys EasyR1 has, the batch in its units", async () => {
    const config = parse(await readFile(join(bundle, "easyr1", "config.yaml"), "utf8")) as {
      data: Record<string, unknown>;
      worker: { actor: Record<string, unknown>; rollout: Record<string, unknown> };
      trainer: Record<string, unknown>;
    };
    const overrides = await scriptOverrides(join(bundle, "train_easyr1.sh"), "verl.trainer.main");
    const keys = [...leafKeys(config as unknown as Record<string, unknown>), ...[...overrides.keys()].filter((k) => k !== "config")];
    for (const key of keys) assert.ok(EASYR1_VOCABULARY.accepted.has(key), `EasyR1 has no key ${key}`);
    assert.equal(config.data.rollout_batch_size, 16);
    assert.equal(config.worker.actor.global_batch_size, 16);
    assert.equal(config.worker.actor.micro_batch_size_per_device_for_update, 8);
    assert.equal(config.worker.rollout.n, 8);
    assert.equal(config.data.prompt_key, "problem");
    assert.equal(config.data.format_prompt, null);
    assert.deepEqual(config.trainer.logger, ["console", "file"]);
    assert.equal(overrides.get("config"), "'/B/easyr1/config.yaml'");
    assert.equal(overrides.get("data.image_dir"), "'/D'");
    assert.equal(overrides.get("worker.reward.reward_function"), "'/B/plugin/facial_r1_rewards.py:compute_score'");
    assert.equal(overrides.get("trainer.save_checkpoint_path"), "'/O'");
  });

  it("writes Parquet rows that pyarrow and datasets read back as the FEA records", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const code = [
      "import json, sys",
      "import pyarrow.parquet as pq, datasets",
      "table = pq.read_table(sys.argv[1])",
      "ds = datasets.load_dataset('parquet', data_files=sys.argv[1], split='train', cache_dir=sys.argv[2])",
      "print(json.dumps({'schema': {f.name: str(f.type) for f in table.schema}, 'arrow': table.to_pylist(), 'datasets': [dict(r) for r in ds]}))",
    ].join("\n");
    const read = (await python(py, code, [join(bundle, "data", "train.parquet"), join(dir, "hf")])) as { schema: Record<string, string>; arrow: Record<string, unknown>[]; datasets: Record<string, unknown>[] };
    const records = await quickstartRecords();
    assert.equal(read.arrow.length, records.length);
    assert.deepEqual(read.datasets, read.arrow);
    assert.equal(read.schema.images, "list<element: string>");
    for (const [i, r] of records.entries()) {
      assert.deepEqual(read.arrow[i], {
        problem: `<image>${r.question} First output the thinking process in <think> </think> tags and then output the final answer in <answer> </answer> tags.`,
        answer: JSON.stringify({ AUs: r.AUs, labels: r.labels }),
        images: [`../samples/fea-sample/images/${r.image}`],
        id: r.id,
      });
    }
  });

  it("scores with the emitted plugin, called as EasyR1's batch reward manager calls it, as the TypeScript scorer does", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const records = (await quickstartRecords()).slice(0, 12) as unknown as { AUs: string[]; labels: string[] }[];
    const responses = records.map(completionsFor);
    const code = [
      "import importlib.util, json, sys",
      "import pyarrow.parquet as pq",
      "spec = importlib.util.spec_from_file_location('custom_reward_fn', sys.argv[1])",
      "m = importlib.util.module_from_spec(spec); sys.modules['custom_reward_fn'] = m; spec.loader.exec_module(m)",
      "assert getattr(m, 'REWARD_TYPE', 'batch') == 'batch'",
      "rows = pq.read_table(sys.argv[2]).to_pylist()[:12]",
      "responses = json.loads(sys.argv[3])",
      "inputs = [{'response': t, 'response_length': len(t) // 4, 'ground_truth': row['answer']} for row, texts in zip(rows, responses) for t in texts]",
      "print(json.dumps(m.compute_score(inputs)))",
    ].join("\n");
    const got = (await python(py, code, [join(bundle, "plugin", "facial_r1_rewards.py"), join(bundle, "data", "train.parquet"), JSON.stringify(responses)])) as Record<string, number>[];
    const expected = records.flatMap((r, i) => responses[i].map((text) => scoreCompletion(text, { AUs: r.AUs, labels: r.labels })));
    assert.equal(got.length, expected.length);
    for (const [i, e] of expected.entries()) {
      assert.equal(got[i].overall, e.total);
      assert.equal(got[i].format, e.format);
      assert.equal(got[i].accuracy, e.accuracy);
      assert.equal(got[i].au, e.au);
      assert.ok(got[i].score >= 0 && got[i].score <= 1);
    }
  });

  it("runs on the verl.trainer.main stand-in: checkpoint, file-logger metrics", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const out = join(dir, "run-1");
    const result = await runProcess("bash", [join(bundle, "train_easyr1.sh")], standInEnv(py, "easyr1", { OUTPUT_DIR: out, HF_DATASETS_CACHE: join(dir, "hf") }));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await readdir(out)).filter((e) => e.startsWith("global_step_")), ["global_step_2"]);
    assert.equal(JSON.parse(await readFile(join(out, "checkpoint_tracker.json"), "utf8")).last_global_step, 2);
    const rows = await easyr1Metrics({ outputDir: out, jobLog: result.stdout });
    assert.deepEqual(rows.map((r) => r.step), [1, 2]);
    for (const row of rows) {
      assert.equal(row.values.reward, row.values["reward/overall"]);
      for (const part of ["format", "accuracy", "au"]) assert.equal(row.values[`rewards/${part}`], row.values[`reward/${part}`]);
      assert.equal(row.values.learning_rate, 2e-5);
    }
  });

  it("the stand-in refuses a key EasyR1's config does not have, as OmegaConf does", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const result = await runProcess(py, ["-m", "verl.trainer.main", "worker.rollout.num=4"], standInEnv(py, "easyr1", { PYTHONPATH: `${join(STAND_IN, "easyr1")}:${join(STAND_IN, "python")}` }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ConfigKeyError: Key 'num' not in 'WorkerConfig'/);
  });

  it("preflight refuses what EasyR1 would refuse, naming the setting", async () => {
    const cases: [string[], RegExp][] = [
      [["num_generations: 3"], /training\.per_device_batch: EasyR1 takes whole prompts per step/],
      [["num_generations: 1"], /training\.num_generations: GRPO in EasyR1 needs at least 2/],
      [["extra_args:", "  worker.rollout.temprature: 0.7"], /has no key worker\.rollout\.temprature; .*did you mean worker\.rollout\.temperature\?/],
      [["extra_args:", "  worker.actor.global_batch_size: 4"], /worker\.actor\.global_batch_size is set from training\.per_device_batch and training\.gradient_accumulation/],
      [["extra_args:", "  worker.actor.global_batch_size_per_device: 4"], /refused: the trainer accepts worker\.actor\.global_batch_size_per_device but ignores it/],
    ];
    for (const [i, [lines, message]] of cases.entries()) {
      const result = await plan(await quickstartFor(dir, "easyr1", lines, `bad-${i}`), join(dir, "bad-bundle"));
      assert.equal(result.code, 2, `${lines.join(" ")} is refused`);
      assert.match(result.stderr, message);
    }
  });
});

describe("EasyR1 metrics", () => {
  it("reads the file logger's unflattened lines and leaves validation out", () => {
    const text = '{"step": 1, "reward": {"overall": 1.5, "format": 1.0}, "actor": {"kl_loss": 0.01}, "val": {"reward_score": 0.3}}\n{"step": 2, "rew';
    assert.deepEqual(easyr1FileRows(text), [{ step: 1, values: { "reward/overall": 1.5, "reward/format": 1.0, "actor/kl_loss": 0.01, reward: 1.5, "rewards/format": 1.0, kl: 0.01 } }]);
  });
});
