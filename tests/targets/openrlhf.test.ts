import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";
import { OPENRLHF_FLAGS } from "../../src/trainer/targets/openrlhf/flags.js";
import { openRlhfMetricRows } from "../../src/trainer/targets/openrlhf/metrics.js";
import { TRAINER_SOURCES } from "../../src/plugins/trainer-sources.js";
import { parseRunConfigText } from "../../src/trainer/config-file.js";
import { configFindings } from "../../src/trainer/preflight.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { vlmR1Prompt, promptQuestion } from "../../src/trainer/bundle/prompt-text.js";
import { OPENRLHF_MIRROR, openRlhfConfig, planOpenRlhf, STAND_IN_OPENRLHF, trainArrayLines } from "./openrlhf-fixture.js";

interface FeaRecord {
  id: string;
  question: string;
  image: string | string[];
  AUs: string[];
  labels: string[];
  dataset: string;
}

const SAMPLE = join(ROOT, "samples", "fea-sample");
const FLAG_TABLE = join(STAND_IN_OPENRLHF, "openrlhf", "cli", "flags.json");

async function feaRecords(): Promise<FeaRecord[]> {
  return (await readFile(join(SAMPLE, "train.jsonl"), "utf8")).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as FeaRecord);
}

function python(bin: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { input, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("trainer.target openrlhf", () => {
  let dir: string;
  let bundle: string;
  let script: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `facial-r1-openrlhf-${process.pid}-`));
    bundle = join(dir, "bundle");
    await planOpenRlhf(await openRlhfConfig(dir), bundle);
    script = await readFile(join(bundle, "train.sh"), "utf8");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("passes train_ppo_ray.py only flags its parser has, each in the form it takes", () => {
    const lines = trainArrayLines(script);
    assert.equal(lines[0], "python3 -m openrlhf.cli.train_ppo_ray");
    const seen = new Set<string>();
    for (const line of lines.slice(1)) {
      const [flag, ...values] = line.split(" ");
      assert.match(flag, /^--/, line);
      const name = flag.slice(2);
      assert.ok(name in OPENRLHF_FLAGS, `--${name} is a train_ppo_ray.py option`);
      assert.ok(!seen.has(name), `--${name} given once`);
      seen.add(name);
      const kind = OPENRLHF_FLAGS[name];
      if (kind === "true" || kind === "false") assert.equal(values.length, 0, `--${name} is a switch`);
      else if (kind === "pair") assert.equal(values.length, 2, line);
      else if (kind === "value") assert.equal(values.length, 1, line);
    }
    for (const needed of ["data.label_key", "reward.remote_url", "algo.advantage.estimator", "rollout.n_samples_per_prompt", "train.colocate_all", "data.max_images_per_prompt"]) {
      assert.ok(seen.has(needed), `--${needed} is passed`);
    }
    assert.match(script, /--rollout\.n_samples_per_prompt 8\n/);
    assert.match(script, /--algo\.advantage\.estimator group_norm\n/);
    // 8 per device x 8 GPUs x 4 accumulation = 256 completions per step, 8 per prompt
    assert.match(script, /--train\.batch_size 256\n/);
    assert.match(script, /--rollout\.batch_size 32\n/);
  });

  it("keeps the flag table equal to the stand-in's and, where a checkout is present, to the one read from train_ppo_ray.py", async (t) => {
    const standIn = JSON.parse(await readFile(FLAG_TABLE, "utf8")) as Record<string, { kind: string }>;
    assert.deepEqual(Object.fromEntries(Object.entries(standIn).map(([k, v]) => [k, v.kind])), OPENRLHF_FLAGS);
    if (!existsSync(OPENRLHF_MIRROR)) {
      t.diagnostic(`no checkout at ${OPENRLHF_MIRROR}: the table is compared with the stand-in's only`);
      return;
    }
    const py = testPython(t);
    if (!py) return;
    const head = execFileSync("git", ["-C", OPENRLHF_MIRROR, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    assert.equal(head, TRAINER_SOURCES.openrlhf.commit, "the checkout is at the recorded commit");
    const source = join(dir, "train_ppo_ray.py");
    await writeFile(source, execFileSync("git", ["-C", OPENRLHF_MIRROR, "show", "HEAD:openrlhf/cli/train_ppo_ray.py"], { encoding: "utf8" }));
    const derived = python(py, [join(ROOT, "tests", "targets", "openrlhf_flags.py"), source]);
    assert.equal(derived.code, 0, derived.stderr);
    const table = JSON.parse(derived.stdout) as Record<string, { kind: string }>;
    assert.deepEqual(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.kind])), OPENRLHF_FLAGS);
    assert.deepEqual(table, standIn, "the stand-in's table (types, defaults, choices) is the source's");
  });

  it("writes prompt records that Python's json and the datasets json builder read back as the FEA records", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const read = python(py, ["-c", "import json,sys\nfor line in open(sys.argv[1]):\n    r = json.loads(line)\n    print(json.dumps({'id': r['id'], 'input': r['input'], 'images': r['images'], 'label': json.loads(r['label'])}))", join(bundle, "data", "train.jsonl")]);
    assert.equal(read.code, 0, read.stderr);
    const rows = read.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; input: string; images: string[]; label: { AUs: string[]; labels: string[] } });
    const records = await feaRecords();
    assert.equal(rows.length, records.length);
    for (const [i, record] of records.entries()) {
      const images = Array.isArray(record.image) ? record.image : [record.image];
      assert.equal(rows[i].id, record.id);
      assert.equal(rows[i].input, `${"<image>".repeat(images.length)}${vlmR1Prompt(promptQuestion(record))}`);
      assert.deepEqual(rows[i].images, images.map((img) => join(SAMPLE, "images", img)));
      assert.deepEqual(rows[i].label, { AUs: record.AUs, labels: record.labels });
    }
    const loaded = python(py, ["-c", "import datasets,sys\nd = datasets.load_dataset('json', data_files=sys.argv[1])['train']\nprint(sorted(d.column_names), len(d))", join(bundle, "data", "train.jsonl")], undefined, { HF_DATASETS_CACHE: join(dir, "hf") });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout.trim(), `['datasource', 'id', 'images', 'input', 'label'] ${records.length}`);
  });

  it("scores through the bundle's reward file, called the way OpenRLHF's executor calls it, exactly like the TypeScript scorer", async (t) => {
    const py = testPython(t);
    if (!py) return;
    const rows = (await readFile(join(bundle, "data", "train.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { input: string; label: string });
    const records = await feaRecords();
    const samples: { query: string; prompt: string; label: string; completion: string; truth: FeaRecord }[] = [];
    for (const [i, row] of rows.entries()) {
      const truth = records[i];
      const prompt = `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>${row.input.replace(/^(<image>)+/, "")}<|im_end|>\n<|im_start|>assistant\n`;
      for (const completion of [
        `<think>The face shows ${truth.AUs.join(", ")}.</think>\n<answer>${truth.labels[0]}</answer>`,
        "<think>Hard to say.</think><answer>neutral</answer>",
        `<answer>${truth.labels[0]}</answer>`,
      ]) {
        samples.push({ query: `${prompt}${completion}<|im_end|>`, prompt, label: row.label, completion, truth });
      }
    }
    const host = join(ROOT, "tests", "stand-in", "hosts", "openrlhf_executor.py");
    const input = samples.map((s) => JSON.stringify({ query: s.query, prompt: s.prompt, label: s.label })).join("\n");
    const run = python(py, [host, join(bundle, "plugin", "facial_r1_rewards.py")], input);
    assert.equal(run.code, 0, run.stderr);
    const answers = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { reward: number; extra_logs: Record<string, number> });
    assert.equal(answers.length, samples.length);
    for (const [i, s] of samples.entries()) {
      const expected = scoreCompletion(s.completion, s.truth);
      assert.equal(answers[i].reward, expected.total, `sample ${i}`);
      assert.equal(answers[i].extra_logs.format_reward, expected.format);
      assert.equal(answers[i].extra_logs.accuracy_reward, expected.accuracy);
      assert.equal(answers[i].extra_logs.au_reward, expected.au);
      assert.equal(answers[i].extra_logs.response_after_prompt, 1);
    }
  });

  it("has the stand-in refuse an option the real parser does not have, as argparse does", (t) => {
    const py = testPython(t);
    if (!py) return;
    const run = python(py, ["-m", "openrlhf.cli.train_ppo_ray", "--data.lable_key", "label"], undefined, { PYTHONPATH: `${STAND_IN_OPENRLHF}:${join(ROOT, "tests", "stand-in", "python")}` });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unrecognized arguments: --data\.lable_key label/);
  });

  describe("preflight", () => {
    async function findings(name: string, options: Parameters<typeof openRlhfConfig>[1]): Promise<string[]> {
      const file = await openRlhfConfig(dir, { ...options, name });
      const parsed = parseRunConfigText(await readFile(file, "utf8"), file);
      assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
      return configFindings(parsed.loaded).map((p) => `${p.field ?? ""}: ${p.message}`);
    }

    it("accepts the quickstart", async () => {
      assert.deepEqual(await findings("ok", {}), []);
    });

    it("refuses completions per step that are no whole number of prompts", async () => {
      const found = await findings("batch", { training: ["num_generations: 6"] });
      assert.ok(found.some((f) => /^training\.per_device_batch: .*= 256\) are not divisible by num_generations 6/.test(f)), found.join("\n"));
    });

    it("refuses a misspelt flag with did-you-mean, and ignored and planner-owned flags with the reason", async () => {
      const found = await findings("extra", { training: ["extra_args:", '  "data.lable_key": x', '  "critic.adam.lr": 0.1', '  "--actor.adam.lr": 0.1', '  "rollout.temperature": 0.9'] });
      assert.ok(found.some((f) => /data\.lable_key.*did you mean data\.label_key\?/.test(f)), found.join("\n"));
      assert.ok(found.some((f) => /critic\.adam\.lr.*ignores it \(GRPO trains no critic/.test(f)), found.join("\n"));
      assert.ok(found.some((f) => /actor\.adam\.lr is set from training\.learning_rate/.test(f)), found.join("\n"));
      assert.ok(!found.some((f) => /rollout\.temperature/.test(f)), found.join("\n"));
    });

    it("refuses switches given a value and settings OpenRLHF cannot honour", async () => {
      const found = await findings("honour", {
        training: ["max_steps: 10", "extra_args:", '  "vllm.enforce_eager": 1'],
        replace: [["epochs: 1", "epochs: 1.5"], ["  path: Qwen/Qwen2.5-VL-3B-Instruct\n", "  path: Qwen/Qwen2.5-VL-3B-Instruct\n  max_pixels: 401408\n"]],
      });
      for (const pattern of [/^training\.max_steps: OpenRLHF has no step limit/, /^training\.epochs: .*1\.5 is not one/, /vllm\.enforce_eager is a switch/, /^model\.max_pixels: .*no flag for max_pixels/]) {
        assert.ok(found.some((f) => pattern.test(f)), `${pattern}\n${found.join("\n")}`);
      }
    });

    it("checks vLLM placement: engines fill the GPUs, server mode leaves GPUs to train", async () => {
      const tp = await findings("tp", { replace: [["  target: openrlhf\n", "  target: openrlhf\n  vllm:\n    tensor_parallel_size: 3\n"]] });
      assert.ok(tp.some((f) => /^trainer\.vllm\.tensor_parallel_size: 8 generation GPUs/.test(f)), tp.join("\n"));
      const all = await findings("server", { replace: [["  target: openrlhf\n", "  target: openrlhf\n  vllm:\n    mode: server\n    gpus: 8\n"]] });
      assert.ok(all.some((f) => /^trainer\.vllm\.gpus: .*leaves none to train/.test(f)), all.join("\n"));
    });

    it("refuses the sft stage", async () => {
      const found = await findings("sft", { replace: [["stage: grpo", "stage: sft"]] });
      assert.ok(found.some((f) => /^stage: trainer\.target openrlhf runs stages grpo, grpo-task/.test(f)), found.join("\n"));
    });
  });

  it("plans server mode with separate engines and a reference model beside the actor", async () => {
    const out = join(dir, "server-bundle");
    await planOpenRlhf(
      await openRlhfConfig(dir, { name: "server-plan", training: ["beta: 0.04", "per_device_batch: 2"], replace: [["  target: openrlhf\n", "  target: openrlhf\n  vllm:\n    mode: server\n    gpus: 2\n"]] }),
      out,
    );
    const lines = trainArrayLines(await readFile(join(out, "train.sh"), "utf8"));
    for (const expected of ["--actor.num_gpus_per_node 6", "--vllm.num_engines 2", "--train.colocate_actor_ref", "--algo.kl.init_coef 0.04", "--train.batch_size 48", "--rollout.batch_size 6"]) {
      assert.ok(lines.includes(expected), `${expected}\n${lines.join("\n")}`);
    }
    assert.ok(!lines.includes("--train.colocate_all"));
  });
});

describe("openrlhf step metrics", () => {
  it("reads the 'Global step' lines (Ray prefix, colours, Python repr) into rows under the shared names", () => {
    const log = [
      "\u001b[36m(PPOTrainer pid=812)\u001b[0m INFO 12-04 18:24:13 ppo_trainer.py:587] ✨ Global step 1: {'policy_loss': -0.01, 'actor_lr': 1e-06, 'actor_grad_norm': 0.5, 'reward': 1.25, 'kl': 0.0, 'response_length': 120.5, 'format_reward': 0.5, 'accuracy_reward': 0.25, 'au_reward': -0.125, 'rollout/reward_std': 0.3, 'timing/generation': 3.5, 'truncated': False, 'ppo_kl': nan, 'max': inf}",
      "(PPOTrainer pid=812) Episode [1/1]:  50%|█████     | 32/64",
      "(PPOTrainer pid=812) INFO 12-04 18:25:13 ppo_trainer.py:587] ✨ Global step 2: {'policy_loss': -0.02, 'reward': 1.5, 'generated': 'a, b: {c}'}",
      "(PPOTrainer pid=812) INFO 12-04 18:26:13 ppo_trainer.py:587] ✨ Global step 3: {'policy_loss': -0.0",
    ].join("\n");
    const rows = openRlhfMetricRows(log);
    assert.deepEqual(rows.map((r) => r.step), [1, 2]);
    const first = rows[0].values;
    assert.equal(first.loss, -0.01);
    assert.equal(first.learning_rate, 1e-6);
    assert.equal(first.grad_norm, 0.5);
    assert.equal(first.reward, 1.25);
    assert.equal(first.completion_length, 120.5);
    assert.equal(first["rewards/au"], -0.125);
    assert.equal(first.reward_std, 0.3);
    assert.equal(first["timing/generation"], 3.5);
    assert.equal(first.truncated, 0);
    assert.ok(Number.isNaN(first.ppo_kl));
    assert.equal(first.max, Infinity);
    assert.deepEqual(rows[1].values, { loss: -0.02, reward: 1.5 });
  });
});
