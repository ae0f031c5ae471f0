import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runConfigJsonSchema } from "../../src/schema/run-config.js";
import { parseRunConfigText } from "../../src/trainer/config-file.js";
import { renderRepositoryFiles } from "../../src/trainer/run-scripts.js";
import { starterConfig } from "../../src/trainer/starter.js";
import { ROOT } from "../helpers/cli.js";
import { configYaml } from "./fixture.js";

function problems(text: string) {
  const result = parseRunConfigText(text, "run.yaml");
  assert.equal(result.ok, false, "expected the config to be refused");
  return result.ok ? [] : result.problems;
}

test("a minimal config gets the paper's defaults", () => {
  const result = parseRunConfigText(configYaml({}), "run.yaml");
  assert.ok(result.ok);
  const t = result.loaded.config.training;
  assert.deepEqual(
    [t.learning_rate, t.per_device_batch, t.gradient_accumulation, t.num_generations, t.max_completion_length, t.beta, t.deepspeed, t.precision, t.attn_implementation, t.gradient_checkpointing],
    [2e-5, 8, 4, 8, 256, 0, "zero3", "bf16", "flash_attention_2", true],
  );
  assert.equal(result.loaded.config.hardware.profile, "8xA800-80G");
  assert.equal(result.loaded.config.rewards.preset, "facial-r1");
});

test("an unknown key is located at line:column with a typo suggestion", () => {
  const [p] = problems(configYaml({ extra: "training:\n  lerning_rate: 1.0e-5\n" }));
  assert.equal(p.field, "training.lerning_rate");
  assert.equal(p.line, 11);
  assert.equal(p.column, 3);
  assert.match(p.message, /did you mean "learning_rate"/);
  assert.equal(p.fix, "learning_rate");
});

test("a setting the trainer ignores is refused with the reason", () => {
  const found = problems(configYaml({ extra: "training:\n  temperature: 0.7\n  use_vllm: true\n" }));
  assert.equal(found.length, 2);
  assert.match(found[0].message, /accepts temperature but ignores it.*temperature 1/);
  assert.match(found[1].message, /ignores it/);
  assert.equal(found[1].line, 12);
});

test("wrong types and bad enum values name the setting and its position", () => {
  const found = problems(configYaml({ extra: "training:\n  per_device_batch: eight\nhardware:\n  profile: 8xV100\n" }));
  const batch = found.find((p) => p.field === "training.per_device_batch");
  const profile = found.find((p) => p.field === "hardware.profile");
  assert.ok(batch && profile);
  assert.equal(batch.line, 11);
  assert.equal(batch.column, 21);
  assert.match(profile.message, /8xA800-80G/);
  assert.equal(profile.line, 13);
});

test("wrong types say which key, what was expected and what was given, in plain words and file order", () => {
  const extra = [
    "model_extra: 1",
    "training:",
    '  per_device_batch: "8x"',
    "  seed: 1.5",
    '  gradient_checkpointing: "yes"',
    "  learning_rate: -1",
    "  deepspeed: zero33",
    "  attn_implementation: fast",
    "  lora:",
    "    target_modules: []",
    "hardware:",
    "  master_port: 99999",
    "  profile: [a, b]",
    "tracking: wandb",
    "output:",
    '  dir: ""',
  ].join("\n");
  const found = problems(configYaml({ extra })).filter((p) => p.field !== "model_extra");
  const said = found.map((p) => `${p.line}:${p.column}: ${p.field}: ${p.message}`);
  assert.deepEqual(said, [
    '12:21: training.per_device_batch: expected a whole number, got the string "8x"',
    "13:9: training.seed: expected a whole number, got the number 1.5",
    '14:27: training.gradient_checkpointing: expected true or false, got the string "yes"',
    "15:18: training.learning_rate: expected a number above 0, got the number -1",
    '16:14: training.deepspeed: expected one of zero2, zero3, zero3-offload, got the string "zero33"; did you mean "zero3"?',
    '17:24: training.attn_implementation: expected one of flash_attention_2, sdpa, eager, got the string "fast"',
    "19:21: training.lora.target_modules: expected at least 1 item in the list, got an empty list",
    "21:16: hardware.master_port: expected a whole number at most 65535, got the number 99999",
    "22:12: hardware.profile: expected one of 8xA800-80G, 8xH100-80G, 8xA100-80G, 1xA100-80G-lora, got a list",
    '23:11: tracking: expected a mapping, got the string "wandb"',
    "25:8: output.dir: expected text that is not empty, got an empty string",
  ]);
  assert.equal(found.find((p) => p.field === "training.deepspeed")?.fix, "zero3");
  assert.ok(found.every((p) => !/Invalid input|required/.test(p.message)));
});

test("a missing required setting points at the enclosing mapping", () => {
  const found = problems("name: x\nstage: grpo\ndatasets:\n  - file: a.jsonl\n    images: i\n");
  const model = found.find((p) => p.field === "model");
  assert.ok(model);
  assert.equal(model.message, "required, but missing (expected a mapping)");
  assert.equal(model.line, 1);
});

test("a dataset entry error carries its index", () => {
  const found = problems(configYaml({ datasets: [{ file: "a.jsonl", images: "i" }], extra: "" }).replace('images: "i"', 'imagse: "i"'));
  assert.ok(found.some((p) => p.field === "datasets[0].imagse" && /did you mean "images"/.test(p.message)));
});

test("YAML syntax errors are reported with a position", () => {
  const found = problems("name: x\nstage: [grpo\n");
  assert.ok(found[0].line !== undefined);
  assert.match(found[0].message, /^YAML/);
});

test("sampling needs exactly one of count or percent", () => {
  const text = configYaml({ datasets: [{ file: "a.jsonl", images: "i" }] }).replace('images: "i"', 'images: "i"\n    sample: {strategy: random}');
  const found = problems(text);
  assert.ok(found.some((p) => p.field === "datasets[0].sample" && /exactly one of count or percent/.test(p.message)));
});

test("the starter config validates for every stage", () => {
  for (const stage of ["sft", "grpo", "grpo-task"] as const) {
    const result = parseRunConfigText(starterConfig({ name: "x", stage }), "starter.yaml");
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.equal(result.loaded.config.stage, stage);
  }
});

test("schemas/run-config.schema.json is current (npx tsx scripts/build-run-scripts.ts regenerates it)", async () => {
  const onDisk = JSON.parse(await readFile(join(ROOT, "schemas", "run-config.schema.json"), "utf8"));
  assert.deepEqual(onDisk, runConfigJsonSchema());
  assert.ok((onDisk.properties as Record<string, unknown>).training);
});

test("run_scripts/ are current with configs/ (npx tsx scripts/build-run-scripts.ts regenerates them)", async () => {
  const files = await renderRepositoryFiles(ROOT);
  assert.ok(files.has("run_scripts/sft_emotion.sh") && files.has("run_scripts/grpo_emotion.sh") && files.has("run_scripts/eval_emotion.sh"));
  for (const [rel, content] of files) {
    const onDisk = await readFile(join(ROOT, rel), "utf8").catch(() => "<missing>");
    assert.equal(onDisk, content, `${rel} is stale`);
  }
});
