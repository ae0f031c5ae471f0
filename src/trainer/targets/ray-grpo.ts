import type { RunConfig } from "../../schema/run-config.js";
import { isLora } from "../hardware.js";
import { HARDWARE_PROFILES } from "../hardware.js";
import type { ReportFinding } from "./types.js";

/**
 * The run config's GRPO batch in the terms of the Ray trainers (verl, EasyR1), which count
 * prompts where the run config counts completions: one optimizer step takes
 * per_device_batch × world × gradient_accumulation completions, i.e. that many divided by
 * num_generations prompts, and each rollout batch is used for exactly one optimizer step
 * per pass (num_iterations passes).
 */
export interface RayBatch {
  world: number;
  gpusPerNode: number;
  /** Completions per optimizer step. */
  completions: number;
  /** Prompts per rollout batch (and per optimizer step); fractional when the config does not divide. */
  prompts: number;
  lora: boolean;
}

export function rayBatch(config: RunConfig): RayBatch {
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  const world = config.hardware.nodes * profile.gpusPerNode;
  const completions = config.training.per_device_batch * world * config.training.gradient_accumulation;
  return { world, gpusPerNode: profile.gpusPerNode, completions, prompts: completions / config.training.num_generations, lora: isLora(config, profile.lora) };
}

/** Whole epochs, as both trainers count them (an int config field), unless max_steps decides. */
export function wholeEpochs(config: RunConfig): number {
  return Math.max(1, Math.ceil(config.training.epochs));
}

/** What verl and EasyR1 share: FSDP instead of DeepSpeed, vLLM colocated, per-step logging, integer epochs. */
export function rayTrainerFindings(config: RunConfig, report: ReportFinding, trainer: string): RayBatch {
  const batch = rayBatch(config);
  const t = config.training;
  if (!Number.isInteger(batch.prompts)) {
    report(["training", "per_device_batch"], {
      message: `${trainer} takes whole prompts per step: per_device_batch × world × gradient_accumulation = ${t.per_device_batch} × ${batch.world} × ${t.gradient_accumulation} = ${batch.completions} completions is not a multiple of num_generations (${t.num_generations})`,
      fix: `make per_device_batch × ${batch.world} × gradient_accumulation a multiple of ${t.num_generations}`,
    });
  }
  if (t.num_generations < 2) {
    report(["training", "num_generations"], { message: `GRPO in ${trainer} needs at least 2 completions per prompt (the group's advantages are all 0 with one)` });
  }
  if (config.trainer.vllm.mode === "server") {
    report(["trainer", "vllm", "mode"], {
      message: `${trainer} has no separate vLLM server: its rollout workers run vLLM on the training GPUs (colocated, sleeping between rollouts)`,
      fix: "set trainer.vllm.mode: colocate",
    });
  }
  const tp = config.trainer.vllm.tensor_parallel_size;
  if (batch.world % tp !== 0) {
    report(["trainer", "vllm", "tensor_parallel_size"], { message: `${trainer} splits the ${batch.world} GPUs into vLLM engines of ${tp}: ${batch.world} is not a multiple of ${tp}` });
  }
  if (t.deepspeed === "zero2") {
    report(["training", "deepspeed"], {
      severity: "warning",
      message: `${trainer} trains with FSDP, not DeepSpeed: zero2 has no equivalent there and is ignored (FSDP shards parameters, gradients and optimizer state)`,
    });
  }
  if (t.logging_steps !== 1) {
    report(["training", "logging_steps"], { message: `${trainer} logs every step; logging_steps ${t.logging_steps} cannot be honoured`, fix: "remove training.logging_steps" });
  }
  if (!Number.isInteger(t.epochs) && t.max_steps === undefined) {
    report(["training", "epochs"], { message: `${trainer} counts whole epochs; ${t.epochs} cannot be honoured`, fix: "use a whole number of epochs, or max_steps" });
  }
  if (t.save_strategy === "steps" && t.save_steps === undefined) {
    report(["training", "save_steps"], { message: "save_strategy steps needs save_steps" });
  }
  if (t.attn_implementation !== "flash_attention_2") {
    report(["training", "attn_implementation"], { severity: "warning", message: `${trainer} loads the model with flash attention 2; ${t.attn_implementation} is not passed` });
  }
  return batch;
}
