import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { DEEPSPEED_STAGES, type RunConfig } from "../../src/schema/run-config.js";
import { parseRunConfigFile } from "../../src/trainer/config-file.js";
import { deepspeedConfig } from "../../src/trainer/deepspeed.js";
import { estimateMemory, modelShape } from "../../src/trainer/memory.js";
import { HARDWARE_PROFILES } from "../../src/trainer/hardware.js";
import { ROOT } from "../helpers/cli.js";
import { runPython } from "../plugins/python.js";
import { STAND_IN } from "./harness.js";

/**
 * Runs the DeepSpeed start-up rules (tests/stand-in/python/stand_in/deepspeed_rules.py: the HF
 * Trainer's "auto" filling and DeepSpeed's checks) on configs with TrainingArguments values.
 */
async function check(cases: { name: string; config: Record<string, unknown>; args: Record<string, unknown>; world: number }[]): Promise<Record<string, string>> {
  const script = String.raw`
import json, sys
from transformers import TrainingArguments
from stand_in.deepspeed_rules import check
out = {}
for case in json.load(sys.stdin):
    try:
        check(case["config"], TrainingArguments(**case["args"]), case["world"])
        out[case["name"]] = "ok"
    except Exception as err:
        out[case["name"]] = "%s: %s" % (type(err).__name__, err)
print(json.dumps(out))
`;
  return JSON.parse(await runPython(["-c", script], { input: JSON.stringify(cases), env: { PYTHONPATH: join(STAND_IN, "python") } })) as Record<string, string>;
}

function argsOf(config: RunConfig): Record<string, unknown> {
  return { per_device_train_batch_size: config.training.per_device_batch, gradient_accumulation_steps: config.training.gradient_accumulation, learning_rate: config.training.learning_rate, bf16: true };
}

test("every DeepSpeed config we emit starts under the HF Trainer's filling and DeepSpeed's checks, with every checked-in run config", async () => {
  const cases = [];
  for (const name of (await readdir(join(ROOT, "configs"))).filter((f) => f.endsWith(".yaml"))) {
    const parsed = await parseRunConfigFile(join(ROOT, "configs", name));
    assert.ok(parsed.ok);
    const config = parsed.loaded.config;
    const world = config.hardware.nodes * HARDWARE_PROFILES[config.hardware.profile].gpusPerNode;
    for (const stage of DEEPSPEED_STAGES) cases.push({ name: `${name} ${stage}`, config: deepspeedConfig(stage), args: argsOf(config), world });
  }
  const results = await check(cases);
  for (const c of cases) assert.equal(results[c.name], "ok", c.name);
});

test("the rules the check relies on: ZeRO-Offload with the Trainer's own optimizer, explicit values that disagree", async () => {
  const offload = deepspeedConfig("zero3-offload");
  const { optimizer: _optimizer, ...withoutOptimizer } = offload;
  const args = { per_device_train_batch_size: 8, gradient_accumulation_steps: 4, bf16: true };
  const results = await check([
    { name: "no optimizer block", config: withoutOptimizer, args, world: 8 },
    { name: "forced off", config: { ...withoutOptimizer, zero_force_ds_cpu_optimizer: false }, args, world: 8 },
    { name: "batch mismatch", config: { ...deepspeedConfig("zero3"), train_micro_batch_size_per_gpu: 4 }, args, world: 8 },
    { name: "train batch", config: { ...deepspeedConfig("zero3"), train_batch_size: 64 }, args, world: 8 },
  ]);
  assert.match(results["no optimizer block"], /^ZeRORuntimeException: You are using ZeRO-Offload with a client provided optimizer/);
  assert.equal(results["forced off"], "ok");
  assert.match(results["batch mismatch"], /mismatch TrainingArguments values:\n- ds train_micro_batch_size_per_gpu=4 vs hf 8/);
  assert.match(results["train batch"], /- ds train_batch_size=64 vs hf 256/);
});

test("preflight's memory advice names only configs that start", async () => {
  const estimate = estimateMemory({
    shape: modelShape(7),
    zero: "zero3",
    lora: false,
    worldSize: 1,
    gradientCheckpointing: false,
    microBatch: 16,
    sequenceTokens: 4096,
    referenceModel: true,
    gatherForGeneration: true,
    gpuMemoryGiB: 80,
  });
  assert.equal(estimate.verdict, "does-not-fit");
  const named = DEEPSPEED_STAGES.filter((stage) => new RegExp(`(^|[^\\w-])${stage}([^\\w-]|$)`).test(estimate.explanation));
  assert.deepEqual(named, ["zero3-offload"]);
  const results = await check(named.map((stage) => ({ name: stage, config: deepspeedConfig(stage), args: { per_device_train_batch_size: 1, gradient_accumulation_steps: 1, bf16: true }, world: 1 })));
  assert.deepEqual(results, { "zero3-offload": "ok" });
});
