import type { RunConfig } from "../../../schema/run-config.js";
import { isLora } from "../../hardware.js";
import { HARDWARE_PROFILES } from "../../hardware.js";
import type { ReportFinding } from "../types.js";
import { trainingProcessesPerNode, trlWorldSize } from "./grpo-config.js";

/**
 * TRL's own rules, from GRPOConfig.__post_init__ (huggingface/trl@f2cd577 and trl 1.13.0,
 * trl/trainer/grpo_config.py) and its vLLM generation (trl/generation/vllm_generation.py):
 * - generation_batch_size = per_device_train_batch_size × world size × steps_per_generation,
 *   steps_per_generation defaulting to gradient_accumulation_steps; it must be divisible by
 *   num_generations (whole prompt groups), and num_generations ≥ 2;
 * - giving generation_batch_size: it must be divisible by per_device_train_batch_size × world
 *   size; giving both generation_batch_size and steps_per_generation is an error;
 * - auto_find_batch_size is rejected;
 * - colocate mode: vllm_tensor_parallel_size must divide the world size.
 * The world size counts the accelerate processes only: in server mode the GPUs running
 * `trl vllm-serve` are not part of it.
 */
export function trlConfigFindings(config: RunConfig, report: ReportFinding): void {
  const t = config.training;
  const vllm = config.trainer.vllm;
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  if (t.num_generations < 2) {
    report(["training", "num_generations"], { message: `GRPO needs at least 2 generations per prompt to compute advantages; got ${t.num_generations}` });
  }
  if (vllm.mode === "server") {
    if (vllm.gpus >= profile.gpusPerNode) {
      report(["trainer", "vllm", "gpus"], { message: `server mode keeps ${vllm.gpus} GPU(s) of node 0 for generation, but a ${profile.name} node has ${profile.gpusPerNode}: none would be left to train; use colocate mode or fewer generation GPUs` });
      return;
    }
    if (vllm.gpus % vllm.tensor_parallel_size !== 0) {
      report(["trainer", "vllm", "tensor_parallel_size"], { message: `trl vllm-serve runs gpus / tensor_parallel_size data-parallel engines: ${vllm.gpus} generation GPU(s) are not a multiple of tensor_parallel_size ${vllm.tensor_parallel_size}` });
    }
    if (config.hardware.nodes > 1) {
      report(["trainer", "vllm", "gpus"], {
        severity: "warning",
        message: `accelerate starts the same number of processes on every node (num_processes / num_machines): ${trainingProcessesPerNode(config)} per node, so the ${vllm.gpus} GPU(s) held back for generation on node 0 stay idle on the other ${config.hardware.nodes - 1} node(s)`,
      });
    }
  } else if (trlWorldSize(config) % vllm.tensor_parallel_size !== 0) {
    report(["trainer", "vllm", "tensor_parallel_size"], { message: `colocate mode: vllm_tensor_parallel_size ${vllm.tensor_parallel_size} must divide the world size ${trlWorldSize(config)}` });
  }
  batchFindings(config, report);
  if (isLora(config, profile.lora)) {
    report(["training", "finetuning"], { message: `the trl target plans full fine-tuning only (its entry script passes no peft_config); set training.finetuning: full${profile.lora ? ` (profile ${profile.name} defaults to lora)` : ""}, or use trainer.target vlm-r1` });
  }
  if (t.freeze_vision_modules) {
    report(["training", "freeze_vision_modules"], { message: "GRPOConfig has no switch to freeze the vision tower; set it to false or use trainer.target vlm-r1" });
  }
  if (config.rewards.clamp) {
    report(["rewards", "clamp"], { message: "TRL sums the reward functions itself, so a clamp of the total cannot apply; set rewards.clamp: null" });
  }
  config.datasets.forEach((d, i) => {
    if (d.reward_method !== undefined) {
      report(["datasets", i, "reward_method"], { severity: "warning", message: "carried as the accu_reward_method column; the emitted TRL reward functions score every record by the rewards spec" });
    }
  });
}

function batchFindings(config: RunConfig, report: ReportFinding): void {
  const t = config.training;
  const world = trlWorldSize(config);
  const global = t.per_device_batch * world;
  const extra = t.extra_args;
  const generationBatch = numberArg(extra.generation_batch_size);
  const stepsPerGeneration = numberArg(extra.steps_per_generation);
  if (generationBatch !== undefined && stepsPerGeneration !== undefined) {
    report(["training", "extra_args", "steps_per_generation"], { message: "GRPOConfig refuses generation_batch_size and steps_per_generation together; keep one" });
    return;
  }
  if (generationBatch !== undefined && generationBatch % global !== 0) {
    report(["training", "extra_args", "generation_batch_size"], { message: `generation_batch_size ${generationBatch} must be divisible by the global batch per_device_batch ${t.per_device_batch} × world size ${world} = ${global}` });
    return;
  }
  const batch = generationBatch ?? global * (stepsPerGeneration ?? t.gradient_accumulation);
  if (batch % t.num_generations === 0) return;
  const how = generationBatch !== undefined ? `generation_batch_size ${batch}` : `generation batch per_device_batch ${t.per_device_batch} × world size ${world} × ${stepsPerGeneration !== undefined ? `steps_per_generation ${stepsPerGeneration}` : `gradient_accumulation ${t.gradient_accumulation}`} = ${batch}`;
  const valid: number[] = [];
  for (let b = 1; b <= Math.max(16, t.per_device_batch * 2) && valid.length < 4; b++) if ((b * world * (stepsPerGeneration ?? t.gradient_accumulation)) % t.num_generations === 0) valid.push(b);
  report(["training", "per_device_batch"], {
    message: `${how} is not divisible by num_generations ${t.num_generations}; TRL needs whole prompt groups in every generation batch${generationBatch === undefined && valid.length ? ` (per_device_batch in {${valid.join(", ")}, ...} would do)` : ""}`,
  });
}

function numberArg(value: unknown): number | undefined {
  return typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
}
