import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { renderAccelerateConfig } from "../../src/trainer/accelerate.js";
import { deepspeedConfig, deepspeedFileName } from "../../src/trainer/deepspeed.js";

test("ZeRO-3 JSON is VLM-R1's local_scripts/zero3.json", () => {
  assert.deepEqual(deepspeedConfig("zero3"), {
    fp16: { enabled: "auto", loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
    bf16: { enabled: "auto" },
    zero_optimization: {
      stage: 3,
      offload_optimizer: { device: "none", pin_memory: true },
      offload_param: { device: "none", pin_memory: true },
      overlap_comm: true,
      contiguous_gradients: true,
      sub_group_size: 1e9,
      reduce_bucket_size: "auto",
      stage3_prefetch_bucket_size: "auto",
      stage3_param_persistence_threshold: "auto",
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    },
    gradient_accumulation_steps: "auto",
    gradient_clipping: "auto",
    steps_per_print: 100,
    train_batch_size: "auto",
    train_micro_batch_size_per_gpu: "auto",
    wall_clock_breakdown: false,
  });
});

test("the offload variant puts both offloads on the CPU; ZeRO-2 is stage 2 without parameter offload", () => {
  const offload = deepspeedConfig("zero3-offload").zero_optimization as Record<string, { device: string }>;
  assert.equal(offload.offload_optimizer.device, "cpu");
  assert.equal(offload.offload_param.device, "cpu");
  const zero2 = deepspeedConfig("zero2").zero_optimization as Record<string, unknown>;
  assert.equal(zero2.stage, 2);
  assert.equal(zero2.offload_param, undefined);
});

test("ZeRO-3 file names contain zero3 (the trainer's forward patch keys on it); ZeRO-2's does not", () => {
  assert.match(deepspeedFileName("zero3"), /zero3/);
  assert.match(deepspeedFileName("zero3-offload"), /zero3/);
  assert.doesNotMatch(deepspeedFileName("zero2"), /zero3/);
});

test("accelerate YAML names only the launcher settings; ZeRO, optimizer and precision come from the DeepSpeed JSON", () => {
  const parsed = parse(renderAccelerateConfig({ stage: "zero3", nodes: 2, gpusPerNode: 8 }));
  assert.equal(parsed.distributed_type, "DEEPSPEED");
  assert.equal(parsed.num_machines, 2);
  assert.equal(parsed.num_processes, 16);
  assert.equal(parsed.rdzv_backend, "static");
  // accelerate refuses these next to a --deepspeed_config_file (DeepSpeedPlugin._deepspeed_config_checks).
  assert.equal(parsed.mixed_precision, undefined);
  assert.deepEqual(parsed.deepspeed_config, { deepspeed_multinode_launcher: "standard", zero3_init_flag: true });
  assert.deepEqual(parse(renderAccelerateConfig({ stage: "zero2", nodes: 1, gpusPerNode: 8 })).deepspeed_config, { deepspeed_multinode_launcher: "standard", zero3_init_flag: false });
  // PyYAML (YAML 1.1) reads a bare `no` as false: the string is quoted.
  assert.match(renderAccelerateConfig({ stage: "zero3", nodes: 1, gpusPerNode: 8 }), /^downcast_bf16: "no"$/m);
});
