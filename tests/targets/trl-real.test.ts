import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { parseTrainerState, metricRows } from "../../src/trainer/trainer-state.js";
import { RewardSpecSchema } from "../../src/schema/reward-spec.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { GRPO_OWN_FIELDS, TRAINING_ARGUMENTS_FIELDS } from "../../src/trainer/targets/trl/fields.js";
import { ROOT, tempDir } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";
import { plan, SAMPLE, trlConfig, writeConfig } from "./trl-helpers.js";

const PYTHON_DIR = join(ROOT, "tests", "python");

/** Runs a program offline with the test environment first on PATH; resolves with stdout, rejects with the end of stderr. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PYTHON_DIR, env: { ...process.env, HF_HUB_OFFLINE: "1", HF_DATASETS_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false", ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args[0] ?? ""} exited ${code}: ${err.slice(-4000)}`))));
  });
}

test("real TRL reads the trl bundle: the field list is trl 1.13.0's, TrlParser takes the emitted GRPOConfig YAML and refuses a misspelt key, datasets loads the data with its images", async (t) => {
  const python = testPython(t);
  if (!python) return;
  const { dir, cleanup } = await tempDir();
  try {
    const out = join(dir, "bundle");
    const config = await writeConfig(dir, "quickstart-trl", trlConfig({ training: { per_device_batch: 4, gradient_accumulation: 2, extra_args: { temperature: 0.9 } } }));
    await plan(config, out);
    const result = JSON.parse(await run(python, [join(PYTHON_DIR, "trl_bundle_check.py"), out, join(SAMPLE, "images")], { PYTHONPATH: PYTHON_DIR, HF_DATASETS_CACHE: join(dir, "hf") })) as {
      fields: { own: string[]; base: string[] };
      config: Record<string, unknown>;
      misspelt: string | null;
      data: { rows: number; features: Record<string, string>; ids: string[]; first_prompt: { role: string; content: { type: string; text: string | null }[] }[]; first_image_size: number[]; AUs: string[][]; labels: string[][] };
    };
    assert.deepEqual([...GRPO_OWN_FIELDS].sort(), result.fields.own, "GRPOConfig's own fields");
    assert.deepEqual([...TRAINING_ARGUMENTS_FIELDS].sort(), result.fields.base, "TrainingArguments' fields");

    assert.equal(result.config.use_vllm, true);
    assert.equal(result.config.vllm_mode, "colocate");
    assert.equal(result.config.multi_objective_aggregation, "sum_then_normalize");
    assert.equal(result.config.temperature, 0.9);
    assert.equal(result.config.run_name, "quickstart");
    assert.deepEqual(result.config.model_init_kwargs, { attn_implementation: "flash_attention_2", dtype: "bfloat16" });
    // One process here (CPU): TRL's own derivation, generation batch = 4 × 1 × 2.
    assert.equal(result.config.steps_per_generation, 2);
    assert.equal(result.config.generation_batch_size, 8);
    assert.ok(result.misspelt, "a misspelt key fails the parse");
    assert.match(result.misspelt, /Unknown arguments from config file: \['--num_generation', '8'\]/);

    const fea = (await readFile(join(SAMPLE, "train.jsonl"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { id: string; AUs: string[]; labels: string[] });
    assert.equal(result.data.rows, fea.length);
    assert.deepEqual(result.data.ids, fea.map((r) => r.id));
    assert.deepEqual(result.data.AUs, fea.map((r) => r.AUs));
    assert.deepEqual(result.data.labels, fea.map((r) => r.labels));
    assert.match(result.data.features.images, /Image\(/);
    assert.deepEqual(result.data.first_image_size, [64, 64]);
    assert.equal(result.data.first_prompt[0].content[0].type, "image");
    assert.equal(result.data.first_prompt[0].content[1].type, "text");
  } finally {
    await cleanup();
  }
});

const BUILD_TINY_MODEL = String.raw`
import json, sys
from tiny_models import SPECIAL, build_tokenizer, vision_model_and_processor
model, processor = vision_model_and_processor(build_tokenizer())
model.save_pretrained(sys.argv[1])
processor.tokenizer.save_pretrained(sys.argv[1])
processor.image_processor.save_pretrained(sys.argv[1])
print(json.dumps([processor.tokenizer.convert_tokens_to_ids(t) for t in SPECIAL[3:]]))
`;

test("a real GRPOTrainer run from the bundle's own launch line (accelerate launch, CPU, tiny Qwen2.5-VL): every reward TRL received equals the TypeScript scorer, and pull-style metrics come out", async (t) => {
  const python = testPython(t);
  if (!python) return;
  const { dir, cleanup } = await tempDir();
  try {
    const model = join(dir, "tiny-qwen2.5-vl");
    // The image and video tokens: a random model may sample them, which Qwen2.5-VL's forward refuses.
    const visionTokens = JSON.parse(await run(python, ["-c", BUILD_TINY_MODEL, model], { PYTHONPATH: PYTHON_DIR })) as number[];
    const weights = { format: 1, accuracy: 2, au: 0.5 };
    const config = trlConfig({
      name: "trl-cpu",
      model: { path: model, parameters_b: 0.001 },
      hardware: { profile: "1xA100-80G-lora" },
      rewards: { weights },
      training: { finetuning: "full", attn_implementation: "eager", per_device_batch: 4, gradient_accumulation: 1, num_generations: 4, max_completion_length: 24, max_steps: 2, save_strategy: "no" },
    });
    const out = join(dir, "bundle");
    await plan(await writeConfig(dir, "trl-cpu", config), out);
    const accelerate = join(dir, "cpu-accelerate.yaml");
    await writeFile(accelerate, "compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nnum_machines: 1\nnum_processes: 1\nmachine_rank: 0\nuse_cpu: true\nmixed_precision: 'no'\n");
    const recorded = join(dir, "rewards.jsonl");
    const output = join(dir, "output");
    await run("bash", [join(out, "grpo.sh")], {
      PATH: `${dirname(python)}:${process.env.PATH}`,
      PYTHONPATH: join(PYTHON_DIR, "bundle_site"),
      FACIAL_R1_RECORD_REWARDS: recorded,
      HF_DATASETS_CACHE: join(dir, "hf"),
      OUTPUT_DIR: output,
      MASTER_PORT: String(20000 + (process.pid % 20000)),
      ACCELERATE_CONFIG_FILE: accelerate,
      TRL_ARGS: `--use_vllm false --use_cpu true --bf16 false --model_init_kwargs {"dtype":"float32"} --generation_kwargs {"bad_words_ids":${JSON.stringify(visionTokens.map((id) => [id]))}}`,
    });

    const spec = RewardSpecSchema.parse({ weights });
    const batches = (await readFile(recorded, "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { names: string[]; completions: unknown[]; AUs: string[][]; labels: string[][]; rewards: (number | null)[][] });
    assert.equal(batches.length, 2, "one generation batch per step");
    const component = { format_reward: "format", accuracy_reward: "accuracy", au_reward: "au" } as const;
    let compared = 0;
    for (const batch of batches) {
      assert.deepEqual(batch.names, ["format_reward", "accuracy_reward", "au_reward"]);
      assert.equal(batch.completions.length, 4);
      for (const [i, completion] of batch.completions.entries()) {
        const scores = scoreCompletion(completion, { AUs: batch.AUs[i], labels: batch.labels[i] }, spec);
        for (const [j, name] of batch.names.entries()) {
          const key = component[name as keyof typeof component];
          // TRL keeps the rewards as float32.
          assert.equal(batch.rewards[i][j], Math.fround(scores[key] * weights[key]), `${name} #${i}`);
          compared++;
        }
      }
    }
    assert.equal(compared, 24);

    const state = parseTrainerState(await readFile(join(output, "trainer_state.json"), "utf8"), "trainer_state.json");
    const rows = metricRows(state);
    assert.deepEqual(rows.map((r) => r.step), [1, 2]);
    for (const name of Object.keys(component)) assert.ok(rows[0].values[`rewards/${name}/mean`] !== undefined, name);
    const first = batches[0].rewards;
    const mean = first.reduce((a, r) => a + (r[0] ?? 0), 0) / first.length;
    assert.ok(Math.abs(rows[0].values["rewards/format_reward/mean"] - mean) < 1e-6, "the logged mean is the mean of what the function returned");
  } finally {
    await cleanup();
  }
});
