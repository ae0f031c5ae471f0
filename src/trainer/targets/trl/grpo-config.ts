import { stringify } from "yaml";
import type { RunConfig } from "../../../schema/run-config.js";
import { HARDWARE_PROFILES } from "../../hardware.js";

/** Where the bundle keeps TRL's files. */
export const TRL_CONFIG_FILE = "trl/grpo_config.yaml";
export const TRL_ENTRY_FILE = "trl/train_grpo.py";

/** Training processes on each node: in server mode the generation GPUs of node 0 are held back on every node. */
export function trainingProcessesPerNode(config: RunConfig): number {
  const gpus = HARDWARE_PROFILES[config.hardware.profile].gpusPerNode;
  return config.trainer.vllm.mode === "server" ? gpus - config.trainer.vllm.gpus : gpus;
}

/** TRL's world size: the accelerate processes, never the vLLM server's GPUs. */
export function trlWorldSize(config: RunConfig): number {
  return config.hardware.nodes * trainingProcessesPerNode(config);
}

/**
 * The GRPOConfig the run config maps to. Every key is a GRPOConfig field of trl 1.13.0
 * (huggingface/trl@f2cd577 trl/trainer/grpo_config.py, plus transformers' TrainingArguments);
 * output_dir, vllm_server_host and vllm_server_port are given on the command line at launch.
 */
export function grpoConfig(config: RunConfig): Record<string, unknown> {
  const t = config.training;
  const vllm = config.trainer.vllm;
  const out: Record<string, unknown> = {
    learning_rate: t.learning_rate,
    per_device_train_batch_size: t.per_device_batch,
    gradient_accumulation_steps: t.gradient_accumulation,
    num_train_epochs: t.epochs,
    ...(t.max_steps === undefined ? {} : { max_steps: t.max_steps }),
    num_generations: t.num_generations,
    max_completion_length: t.max_completion_length,
    beta: t.beta,
    epsilon: t.epsilon,
    num_iterations: t.num_iterations,
    bf16: t.precision === "bf16",
    gradient_checkpointing: t.gradient_checkpointing,
    model_init_kwargs: { attn_implementation: t.attn_implementation, dtype: "bfloat16" },
    seed: t.seed,
    save_strategy: t.save_strategy,
    ...(t.save_steps === undefined ? {} : { save_steps: t.save_steps }),
    save_only_model: t.save_only_model,
    logging_steps: t.logging_steps,
    report_to: config.tracking.backend === "wandb" ? ["wandb"] : "none",
    run_name: config.output.run_name ?? config.name,
    use_vllm: true,
    vllm_mode: vllm.mode,
    vllm_gpu_memory_utilization: vllm.gpu_memory_utilization,
    // Colocate mode only; in server mode `trl vllm-serve` gets it (see the train script).
    vllm_tensor_parallel_size: vllm.tensor_parallel_size,
    // The reward functions return weighted rewards (rewards.weights); summing them before the
    // group normalisation keeps those weights, normalize_then_sum would cancel them.
    multi_objective_aggregation: "sum_then_normalize",
  };
  for (const [key, value] of Object.entries(t.extra_args)) out[key] = value;
  return out;
}

/** YAML 1.1 quoting: TrlParser reads the file with PyYAML (a bare `no` would be false). */
export function renderGrpoConfig(config: RunConfig, header: string): string {
  return `${header}${stringify(grpoConfig(config), { version: "1.1" })}`;
}
