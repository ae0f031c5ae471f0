import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { testPython } from "../helpers/python-env.js";
// The registry first: the spec modules and the planner import each other through it.
import "../../src/trainer/targets/index.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { VERL_CONFIG_KEYS } from "../../src/trainer/targets/verl/keys.js";
import { VERL_VOCABULARY } from "../../src/trainer/targets/verl/rules.js";
import { verlConsoleRows, verlFileRows, verlMetrics } from "../../src/trainer/targets/verl/metrics.js";
import { completionsFor, derivedKeys, plan, plannedQuickstart, python, quickstartFor, quickstartRecords, runProcess, scriptOverrides, STAND_IN, standInEnv } from "./ray-targets.js";

describe("trainer.target verl", () => {
  let dir: string;
  let bundle: string;

  before(async () => {
    ({ dir, bundle } = await plannedQuickstart("verl"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("lists exactly the keys of verl's composed config at the named commit", async (t) => {
    const keys = await derivedKeys(t, "verl");
    if (!keys) return;
    assert.deepEqual([...VERL_CONFIG_KEYS], keys.derived.keys);
    assert.deepEqual(keys.standIn, keys.derived, "the stand-in refuses the same keys");
  });

  it("emits only config keys verl has, with the batch of the run config in verl's units", async () => {
    const overrides = await scriptOverrides(join(bundle, "train_verl.sh"), "verl.trainer.main_ppo");
    for (const key of overrides.keys()) assert.ok(VERL_VOCABULARY.accepted.has(key), `verl has no key ${key}`);
    // 8 per device x 8 GPUs x 2 accumulation = 128 completions = 16 prompts x 8 generations.
    assert.equal(overrides.get("data.train_batch_size"), "16");
    assert.equal(overrides.get("actor_rollout_ref.actor.ppo_mini_batch_size"), "16");
    assert.equal(overrides.get("actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu"), "8");
    assert.equal(overrides.get("actor_rollout_ref.rollout.n"), "8");
    assert.equal(overrides.get("actor_rollout_ref.rollout.name"), "vllm");
    assert.equal(overrides.get("algorithm.adv_estimator"), "grpo");
    assert.equal(overrides.get("data.train_files"), "['/B/data/train.parquet']");
    assert.equal(overrides.get("custom_reward_function.path"), "'/B/plugin/facial_r1_rewards.py'");
    assert.equal(overrides.get("custom_reward_function.name"), "compute_score");
    assert.equal(overrides.get("trainer.default_local_dir"), "'/O'");
    assert.equal(overrides.get("trainer.nnodes"), "2");
    assert.equal(overrides.get("trainer.save_freq"), "2");
    assert.equal(overrides.has("reward.custom_reward_function.path"), false, "this commit keeps custom_reward_function at the top level");
  });

  it("writes Parquet rows that pyarrow and datasets read back as the FEA records", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const code = [
      "import json, sys",
      "import pyarrow.parquet as pq, datasets",
      "table = pq.read_table(sys.argv[1])",
      "ds = datasets.load_dataset('parquet', data_files=sys.argv[1], cache_dir=sys.argv[2])['train']",
      "print(json.dumps({'schema': {f.name: str(f.type) for f in table.schema}, 'arrow': table.to_pylist(), 'datasets': [dict(r) for r in ds]}))",
    ].join("\n");
    const read = (await python(py, code, [join(bundle, "data", "train.parquet"), join(dir, "hf")])) as { schema: Record<string, string>; arrow: Record<string, unknown>[]; datasets: Record<string, unknown>[] };
    const records = await quickstartRecords();
    assert.equal(read.arrow.length, records.length);
    assert.deepEqual(read.datasets, read.arrow);
    assert.match(read.schema.images, /^list<element: struct<image: string>>$/);
    assert.match(read.schema.prompt, /^list<element: struct<role: string, content: string>>$/);
    for (const [i, r] of records.entries()) {
      const row = read.arrow[i];
      assert.equal(row.data_source, r.dataset);
      assert.deepEqual(row.prompt, [{ role: "user", content: `<image>${r.question} First output the thinking process in <think> </think> tags and then output the final answer in <answer> </answer> tags.` }]);
      assert.deepEqual(row.images, [{ image: `../samples/fea-sample/images/${r.image}` }]);
      assert.deepEqual(row.reward_model, { style: "rule", ground_truth: { AUs: r.AUs, labels: r.labels } });
      assert.deepEqual(row.extra_info, { id: r.id, dataset: r.dataset, AUs: r.AUs, labels: r.labels, accu_reward_method: null });
      assert.equal(row.ability, "facial-expression");
    }
  });

  it("scores with the emitted plugin, called as the naive, batch and prime managers call it, as the TypeScript scorer does", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const records = (await quickstartRecords()).slice(0, 12) as unknown as { AUs: string[]; labels: string[] }[];
    const code = [
      "import importlib.util, json, sys",
      "import pyarrow.parquet as pq",
      "spec = importlib.util.spec_from_file_location('custom_module', sys.argv[1])",
      "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)",
      "rows = pq.read_table(sys.argv[2]).to_pylist()[:12]",
      "responses = json.loads(sys.argv[3])",
      "naive, prime = [], []",
      "for row, texts in zip(rows, responses):",
      "    for text in texts:",
      "        extra = dict(row['extra_info'], num_turns=None, rollout_reward_scores={})",
      "        naive.append(m.compute_score(data_source=row['data_source'], solution_str=text, ground_truth=row['reward_model']['ground_truth'], extra_info=extra))",
      "        result = m.compute_score_scalar(row['data_source'], text, row['reward_model']['ground_truth'], row['extra_info'])",
      "        prime.append(float(result) if isinstance(result, (int, float)) else float(result[0]))",
      "pairs = [(row, text) for row, texts in zip(rows, responses) for text in texts]",
      "batch = m.compute_score_batch(data_sources=[r['data_source'] for r, _ in pairs], solution_strs=[t for _, t in pairs], ground_truths=[r['reward_model']['ground_truth'] for r, _ in pairs], extra_infos=[r['extra_info'] for r, _ in pairs])",
      "print(json.dumps({'naive': naive, 'prime': prime, 'batch': batch}))",
    ].join("\n");
    const responses = records.map(completionsFor);
    const got = (await python(py, code, [join(bundle, "plugin", "facial_r1_rewards.py"), join(bundle, "data", "train.parquet"), JSON.stringify(responses)])) as {
      naive: Record<string, number>[];
      prime: number[];
      batch: Record<string, number>[];
    };
    const expected = records.flatMap((r, i) => responses[i].map((text) => scoreCompletion(text, { AUs: r.AUs, labels: r.labels })));
    assert.equal(got.naive.length, expected.length);
    for (const [i, e] of expected.entries()) {
      assert.deepEqual(got.naive[i], { score: e.total, format: e.format, accuracy: e.accuracy, au: e.au });
      assert.deepEqual(got.batch[i], got.naive[i]);
      assert.equal(got.prime[i], e.total);
    }
    assert.ok(new Set(expected.map((e) => e.total)).size > 2, "the completions score differently");
  });

  it("runs on the main_ppo stand-in: a checkpoint per epoch and metrics from both loggers", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const out = join(dir, "run-1");
    const result = await runProcess("bash", [join(bundle, "train_verl.sh")], standInEnv(py, "verl", { OUTPUT_DIR: out, HF_DATASETS_CACHE: join(dir, "hf") }));
    assert.equal(result.code, 0, result.stderr);
    const entries = (await readdir(out)).sort();
    // save_strategy epoch: verl saves every floor(36 / 16) = 2 steps, i.e. at the end of the one epoch.
    assert.deepEqual(entries.filter((e) => e.startsWith("global_step_")), ["global_step_2"]);
    assert.equal((await readFile(join(out, "latest_checkpointed_iteration.txt"), "utf8")).trim(), "2");
    const fromFile = await verlMetrics({ outputDir: out, jobLog: result.stdout });
    assert.deepEqual(fromFile.map((r) => r.step), [1, 2]);
    for (const row of fromFile) {
      assert.equal(row.values.reward, row.values["critic/score/mean"]);
      assert.ok(row.values.reward > 0 && row.values.reward <= 3);
      assert.equal(row.values.learning_rate, 2e-5);
      assert.ok(row.values.completion_length > 0);
    }
    const fromConsole = await verlMetrics({ outputDir: join(dir, "nothing-pulled"), jobLog: result.stdout });
    assert.deepEqual(fromConsole, fromFile, "the console lines carry the same numbers as the file logger");
  });

  it("runs on two nodes: node 0 starts the Ray head and waits for node 1, which joins and leaves with it", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const out = join(dir, "run-2n");
    const shared = { OUTPUT_DIR: out, HF_DATASETS_CACHE: join(dir, "hf"), NNODES: "2", MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(20000 + (process.pid % 20000)), RAY_STANDIN_DIR: join(dir, "ray-2n") };
    const [head, worker] = await Promise.all([
      runProcess("bash", [join(bundle, "train_verl.sh")], standInEnv(py, "verl", { ...shared, NODE_RANK: "0" })),
      runProcess("bash", [join(bundle, "train_verl.sh")], standInEnv(py, "verl", { ...shared, NODE_RANK: "1" })),
    ]);
    assert.equal(head.code, 0, head.stderr);
    assert.equal(worker.code, 0, worker.stderr);
    assert.match(head.stderr, /Ray cluster: 2 of 2 nodes/);
    assert.match(worker.stderr, /the Ray head is gone; done/);
    const calls = (await readFile(join(dir, "ray-2n", "calls.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(calls.some((c) => c.command === "start" && c.head && c.node === "0" && c.num_gpus === 8 && c.port === Number(shared.MASTER_PORT)));
    assert.ok(calls.some((c) => c.command === "start" && !c.head && c.node === "1" && c.address === `127.0.0.1:${shared.MASTER_PORT}`));
    assert.ok(existsSync(join(out, "global_step_2")));
  });

  it("the stand-in refuses a key verl's config does not have, as Hydra does", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const result = await runProcess(py, ["-m", "verl.trainer.main_ppo", "data.train_batchsize=4"], standInEnv(py, "verl", { PYTHONPATH: `${join(STAND_IN, "verl")}:${join(STAND_IN, "python")}` }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Could not override 'data\.train_batchsize'[\s\S]*Key 'train_batchsize' is not in struct/);
  });

  it("preflight refuses what verl would refuse, naming the setting", async () => {
    const cases: [string[], RegExp][] = [
      [["num_generations: 7"], /training\.per_device_batch: verl takes whole prompts per step: .* 256 completions is not a multiple of num_generations \(7\)/],
      [["num_generations: 1"], /training\.num_generations: GRPO in verl needs at least 2/],
      [["extra_args:", "  actor_rollout_ref.actor.ppo_mini_batchsize: 3"], /has no key actor_rollout_ref\.actor\.ppo_mini_batchsize; .*did you mean actor_rollout_ref\.actor\.ppo_mini_batch_size\?/],
      [["extra_args:", "  data.train_batch_size: 4"], /training\.extra_args\.data\.train_batch_size: data\.train_batch_size is set from training\.per_device_batch/],
      [["extra_args:", "  reward_model.reward_manager: dapo2"], /no compute_score variant for reward manager "dapo2"/],
      [["logging_steps: 5"], /training\.logging_steps: verl logs every step/],
    ];
    for (const [lines, message] of cases) {
      const config = await quickstartFor(dir, "verl", lines, `bad-${cases.findIndex((c) => c[0] === lines)}`);
      const result = await plan(config, join(dir, "bad-bundle"));
      assert.equal(result.code, 2, `${lines.join(" ")} is refused`);
      assert.match(result.stderr, message);
    }
    const server = await quickstartFor(dir, "verl", [], "server");
    const text = (await readFile(server, "utf8")).replace("  target: verl\n", "  target: verl\n  vllm:\n    mode: server\n");
    await writeFile(server, text);
    const refused = await plan(server, join(dir, "bad-bundle"));
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /trainer\.vllm\.mode: verl has no separate vLLM server/);
  });

  it("chooses the plugin function the reward manager can call", async () => {
    const config = await quickstartFor(dir, "verl", ["gradient_accumulation: 2", "extra_args:", "  reward_model.reward_manager: prime"], "prime");
    const planned = await plan(config, join(dir, "bundle-prime"));
    assert.equal(planned.code, 0, planned.stderr);
    const overrides = await scriptOverrides(join(dir, "bundle-prime", "train_verl.sh"), "verl.trainer.main_ppo");
    assert.equal(overrides.get("custom_reward_function.name"), "compute_score_scalar");
    assert.equal(overrides.get("reward_model.reward_manager"), "prime");
  });
});

describe("verl metrics", () => {
  it("reads the console logger's lines, numpy scalars included, and the file logger's", () => {
    const log = [
      "(TaskRunner pid=1) step:1 - training/global_step:1 - critic/score/mean:np.float64(1.25) - actor/pg_loss:-0.01 - actor/lr:1e-06 - response_length/mean:np.float32(80.5)",
      "Training Progress:  50%|█████     | 1/2",
      "step:2 - critic/score/mean:1.5 - val-core/rafdb/reward/mean@1:0.9",
    ].join("\n");
    assert.deepEqual(verlConsoleRows(log), [
      { step: 1, values: { "training/global_step": 1, "critic/score/mean": 1.25, "actor/pg_loss": -0.01, "actor/lr": 1e-6, "response_length/mean": 80.5 } },
      { step: 2, values: { "critic/score/mean": 1.5, "val-core/rafdb/reward/mean@1": 0.9 } },
    ]);
    assert.deepEqual(verlFileRows('{"step": 3, "data": {"critic/score/mean": 2, "actor/kl_loss": 0.1}}\n{"step": 4, "da'), [{ step: 3, values: { "critic/score/mean": 2, "actor/kl_loss": 0.1 } }]);
  });
});
