import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunConfig } from "../../src/schema/run-config.js";
import { batchDivisibilityProblem, runArithmetic } from "../../src/trainer/arithmetic.js";
import { parseRunConfigText } from "../../src/trainer/config-file.js";
import { imageTokens, pythonRound, smartResize } from "../../src/trainer/image-tokens.js";
import { estimateMemory, modelShape, nominalSizeFromPath } from "../../src/trainer/memory.js";
import { fitFromConfig } from "./memory-helper.js";
import { configYaml } from "./fixture.js";

function parse(extra: string): RunConfig {
  const result = parseRunConfigText(configYaml({ extra }), "run.yaml");
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.loaded.config;
}

test("Qwen2.5-VL resize: multiples of 28 within min/max pixels; one token per 28x28 block plus two wrappers", () => {
  assert.deepEqual(smartResize({ height: 56, width: 84, minPixels: 3136, maxPixels: 12845056 }), { height: 56, width: 84 });
  assert.equal(imageTokens({ height: 56, width: 84, minPixels: 3136, maxPixels: 12845056 }), 6 + 2);
  // 48x48 FER2013 faces: rounded to 56x56 (4 tokens).
  assert.deepEqual(smartResize({ height: 48, width: 48, minPixels: 3136, maxPixels: 12845056 }), { height: 56, width: 56 });
  // Tiny image scaled up to min_pixels.
  assert.deepEqual(smartResize({ height: 10, width: 10, minPixels: 3136, maxPixels: 12845056 }), { height: 56, width: 56 });
  // Large image scaled down under max_pixels.
  const big = smartResize({ height: 4000, width: 3000, minPixels: 3136, maxPixels: 1003520 });
  assert.ok(big.height * big.width <= 1003520);
  assert.equal(big.height % 28, 0);
  assert.equal(big.width % 28, 0);
  assert.deepEqual(big, { height: 1148, width: 840 });
  assert.throws(() => smartResize({ height: 1, width: 500, minPixels: 3136, maxPixels: 12845056 }), /aspect ratio/);
});

test("rounding follows Python (halves to even)", () => {
  assert.equal(pythonRound(2.5), 2);
  assert.equal(pythonRound(3.5), 4);
  assert.equal(pythonRound(2.4999), 2);
  // 70 / 28 = 2.5 -> 2 -> 56, as the Python processor does.
  assert.deepEqual(smartResize({ height: 70, width: 70, minPixels: 3136, maxPixels: 12845056 }), { height: 56, width: 56 });
});

test("batch divisibility is checked against the world size", () => {
  assert.equal(batchDivisibilityProblem(parse("")), undefined);
  const bad = batchDivisibilityProblem(parse("training:\n  per_device_batch: 3\n  num_generations: 16\n"));
  assert.match(bad ?? "", /per_device_batch 3 × world size 8\) % num_generations 16 = 8/);
  assert.match(bad ?? "", /\{2, 4, 6, 8/);
  const sft = parseRunConfigText(configYaml({ stage: "sft", extra: "training:\n  per_device_batch: 3\n" }), "run.yaml");
  assert.ok(sft.ok);
  assert.equal(batchDivisibilityProblem(sft.loaded.config), undefined, "SFT has no generations");
  assert.ok(batchDivisibilityProblem(parse("hardware:\n  profile: 1xA100-80G-lora\ntraining:\n  per_device_batch: 4\n")));
  assert.equal(batchDivisibilityProblem(parse("hardware:\n  nodes: 2\ntraining:\n  per_device_batch: 1\n  num_generations: 16\n")), undefined);
});

test("plan arithmetic: global batch, steps, completions and GPU-hours", () => {
  const a = runArithmetic(parse("hardware:\n  nodes: 2\n"), 20_000);
  assert.equal(a.worldSize, 16);
  assert.equal(a.globalBatch, 8 * 16 * 4);
  assert.equal(a.promptsPerStep, 64);
  assert.equal(a.stepsPerEpoch, Math.ceil((20_000 * 8) / 512));
  assert.equal(a.optimizerSteps, a.stepsPerEpoch * 8);
  assert.equal(a.completionsGenerated, 20_000 * 8 * 8);
  assert.equal(a.estimatedGpuHours, Math.round(((20_000 * 8 * 8) / 0.5 / 3600) * 100) / 100);
  const capped = runArithmetic(parse("training:\n  max_steps: 10\n"), 20_000);
  assert.equal(capped.optimizerSteps, 10);
  assert.equal(capped.completionsGenerated, 10 * 256);
});

test("model size comes from the path; shapes of known sizes", () => {
  assert.equal(nominalSizeFromPath("/models/Qwen2.5-VL-7B-Instruct"), 7);
  assert.equal(nominalSizeFromPath("Qwen/Qwen2.5-VL-72B-Instruct-AWQ"), 72);
  assert.equal(nominalSizeFromPath("/ckpt/facial-r1"), undefined);
  assert.equal(modelShape(7).hidden, 3584);
});

test("memory verdicts: the paper's 7B setup fits on 8x80GB; full fine-tuning on one GPU does not; LoRA does", () => {
  const paper = estimateMemory(fitFromConfig({ zero: "zero3", lora: false, worldSize: 8 }));
  assert.equal(paper.verdict, "fits", paper.explanation);
  const single = estimateMemory(fitFromConfig({ zero: "zero3", lora: false, worldSize: 1 }));
  assert.equal(single.verdict, "does-not-fit");
  assert.match(single.explanation, /LoRA/);
  const lora = estimateMemory(fitFromConfig({ zero: "zero2", lora: true, worldSize: 1 }));
  assert.equal(lora.verdict, "fits", lora.explanation);
  const offload = estimateMemory(fitFromConfig({ zero: "zero3-offload", lora: false, worldSize: 8 }));
  assert.ok(offload.totalGiB < paper.totalGiB);
  const noCheckpointing = estimateMemory({ ...fitFromConfig({ zero: "zero3", lora: false, worldSize: 8 }), gradientCheckpointing: false });
  assert.ok(noCheckpointing.components.activations > paper.components.activations * 5);
});
