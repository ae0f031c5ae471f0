import type { KeyVocabulary } from "../types.js";
import { GRPO_OWN_FIELDS, TRAINING_ARGUMENTS_FIELDS } from "./fields.js";

/** The GRPOConfig fields the bundle sets from the run config, with the setting to change instead. */
export const TRL_OWNED: Readonly<Record<string, string>> = {
  learning_rate: "training.learning_rate",
  per_device_train_batch_size: "training.per_device_batch",
  gradient_accumulation_steps: "training.gradient_accumulation",
  num_train_epochs: "training.epochs",
  max_steps: "training.max_steps",
  num_generations: "training.num_generations",
  max_completion_length: "training.max_completion_length",
  beta: "training.beta",
  epsilon: "training.epsilon",
  num_iterations: "training.num_iterations",
  bf16: "training.precision",
  gradient_checkpointing: "training.gradient_checkpointing",
  seed: "training.seed",
  save_strategy: "training.save_strategy",
  save_steps: "training.save_steps",
  save_only_model: "training.save_only_model",
  logging_steps: "training.logging_steps",
  report_to: "tracking.backend",
  run_name: "output.run_name",
  output_dir: "output.dir (OUTPUT_DIR at launch)",
  model_init_kwargs: "training.attn_implementation and training.precision",
  use_vllm: "trainer.target (the trl target always generates with vLLM)",
  vllm_mode: "trainer.vllm.mode",
  vllm_gpu_memory_utilization: "trainer.vllm.gpu_memory_utilization",
  vllm_tensor_parallel_size: "trainer.vllm.tensor_parallel_size",
  vllm_server_host: "hardware.master_addr (MASTER_ADDR at launch)",
  vllm_server_port: "the VLLM_PORT variable of the train script",
  vllm_server_base_url: "hardware.master_addr and VLLM_PORT",
  deepspeed: "training.deepspeed (the bundle's accelerate and DeepSpeed configs)",
  reward_weights: "rewards.weights (baked into the emitted reward functions)",
  multi_objective_aggregation:
    "rewards.weights: the emitted functions carry the weights, so the bundle keeps sum_then_normalize; normalize_then_sum would standardise each function per group and cancel them",
  use_cpu: "hardware.profile",
};

/** Accepted by GRPOConfig but without effect on this bundle's run. */
const TRL_IGNORED: Readonly<Record<string, string>> = {
  // GRPOConfig.__post_init__ at f2cd577 rejects it outright.
  auto_find_batch_size: "GRPO rejects it: shrinking the batch would break the prompt groups",
  remove_unused_columns: "the reward functions need the AUs and labels columns; GRPOConfig keeps them (default false)",
  push_to_hub: "push the trained model with `facial-r1 hub push-model`",
};

export const TRL_VOCABULARY: KeyVocabulary = {
  kind: "GRPOConfig (trl 1.13.0)",
  accepted: new Set<string>([...GRPO_OWN_FIELDS, ...TRAINING_ARGUMENTS_FIELDS]),
  ignored: TRL_IGNORED,
  owned: TRL_OWNED,
};
