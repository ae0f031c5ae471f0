import type { TrainerTarget, VllmTarget } from "../schema/run-config.js";

/** The trainers whose flags are listed here (the others carry theirs in their TrainerTargetSpec). */
export type VlmR1Trainer = Exclude<TrainerTarget, VllmTarget>;

/**
 * The flags each trainer entry point's parser accepts, as data. A flag outside these sets
 * makes the trainer exit at start (HfArgumentParser rejects unknown arguments), so the
 * planner refuses it before a GPU is allocated. Flags the parser accepts but the trainer
 * never reads are listed with the reason, and refused too: passing them would only
 * pretend to change the run.
 */

export type TrainerEntry = "grpo" | "sft";

/**
 * HF TrainingArguments, shared by GRPOConfig and SFTConfig.
 * Unverified against transformers v4.49.0 (source not available). huggingface/transformers@fd798335c275
 * src/transformers/training_args.py has these fields plus evaluation_strategy and tp_size.
 */
const TRAINING_ARGUMENTS = [
  "output_dir", "overwrite_output_dir", "do_train", "do_eval", "do_predict", "eval_strategy", "prediction_loss_only",
  "per_device_train_batch_size", "per_device_eval_batch_size", "per_gpu_train_batch_size", "per_gpu_eval_batch_size",
  "gradient_accumulation_steps", "eval_accumulation_steps", "eval_delay", "torch_empty_cache_steps", "learning_rate",
  "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "num_train_epochs", "max_steps",
  "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_ratio", "warmup_steps", "log_level", "log_level_replica",
  "log_on_each_node", "logging_dir", "logging_strategy", "logging_first_step", "logging_steps", "logging_nan_inf_filter",
  "save_strategy", "save_steps", "save_total_limit", "save_safetensors", "save_on_each_node", "save_only_model",
  "restore_callback_states_from_checkpoint", "no_cuda", "use_cpu", "use_mps_device", "seed", "data_seed", "jit_mode_eval",
  "use_ipex", "bf16", "fp16", "fp16_opt_level", "half_precision_backend", "bf16_full_eval", "fp16_full_eval", "tf32",
  "local_rank", "ddp_backend", "tpu_num_cores", "tpu_metrics_debug", "debug", "dataloader_drop_last", "eval_steps",
  "dataloader_num_workers", "dataloader_prefetch_factor", "past_index", "run_name", "disable_tqdm", "remove_unused_columns",
  "label_names", "load_best_model_at_end", "metric_for_best_model", "greater_is_better", "ignore_data_skip", "fsdp",
  "fsdp_min_num_params", "fsdp_config", "fsdp_transformer_layer_cls_to_wrap", "accelerator_config", "deepspeed",
  "label_smoothing_factor", "optim", "optim_args", "adafactor", "group_by_length", "length_column_name", "report_to",
  "ddp_find_unused_parameters", "ddp_bucket_cap_mb", "ddp_broadcast_buffers", "dataloader_pin_memory",
  "dataloader_persistent_workers", "skip_memory_metrics", "use_legacy_prediction_loop", "push_to_hub",
  "resume_from_checkpoint", "hub_model_id", "hub_strategy", "hub_token", "hub_private_repo", "hub_always_push",
  "gradient_checkpointing", "gradient_checkpointing_kwargs", "include_inputs_for_metrics", "include_for_metrics",
  "eval_do_concat_batches", "fp16_backend", "push_to_hub_model_id", "push_to_hub_organization", "push_to_hub_token",
  "mp_parameters", "auto_find_batch_size", "full_determinism", "torchdynamo", "ray_scope", "ddp_timeout", "torch_compile",
  "torch_compile_backend", "torch_compile_mode", "include_tokens_per_second", "include_num_input_tokens_seen",
  "neftune_noise_alpha", "optim_target_modules", "batch_eval_metrics", "eval_on_start", "use_liger_kernel",
  "eval_use_gather_object", "average_tokens_across_devices", "split_batches", "dispatch_batches",
] as const;

/** trl ModelConfig, huggingface/trl@cd6b3de356dd (v0.17.0) trl/trainer/model_config.py. */
const MODEL_CONFIG = [
  "model_name_or_path", "model_revision", "torch_dtype", "trust_remote_code", "attn_implementation", "use_peft", "lora_r",
  "lora_alpha", "lora_dropout", "lora_target_modules", "lora_modules_to_save", "lora_task_type", "use_rslora", "use_dora",
  "load_in_8bit", "load_in_4bit", "bnb_4bit_quant_type", "use_bnb_nested_quant",
] as const;

/** trl ScriptArguments, huggingface/trl@cd6b3de356dd (v0.17.0) trl/scripts/utils.py; dataset_name is required. */
const TRL_SCRIPT_ARGUMENTS = [
  "dataset_name", "dataset_config", "dataset_train_split", "dataset_test_split", "gradient_checkpointing_use_reentrant",
  "ignore_bias_buffers",
] as const;

/**
 * GRPOScriptArguments in src/open-r1-multimodal/src/open_r1/grpo_jsonl.py, the same fields in
 * RobitsG/Facial-R1@0b1be9bd6207 and om-ai-lab/VLM-R1@90052f478646.
 */
const GRPO_SCRIPT_ARGUMENTS = [
  "data_file_paths", "image_folders", "arrow_cache_dir", "val_split_ratio", "reward_funcs", "max_pixels", "min_pixels",
  "max_anyres_num", "reward_method", "task_type", "is_reward_customized_from_vlm_module",
] as const;

/**
 * GRPOConfig fields beyond TrainingArguments, from src/open-r1-multimodal/src/open_r1/trainer/grpo_config.py
 * (the same in RobitsG/Facial-R1@0b1be9bd6207 and om-ai-lab/VLM-R1@90052f478646): grpo_jsonl.py parses
 * open_r1.trainer.GRPOConfig, not trl's. Its remove_unused_columns and learning_rate redeclare TrainingArguments fields.
 */
const GRPO_CONFIG = [
  "model_init_kwargs", "max_prompt_length", "num_generations", "max_completion_length", "ds3_gather_for_generation",
  "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "cache_implementation", "use_vllm", "vllm_device",
  "vllm_gpu_memory_utilization", "vllm_dtype", "vllm_max_model_len", "vllm_enable_prefix_caching",
  "vllm_guided_decoding_regex", "beta", "num_iterations", "epsilon", "epsilon_high", "reward_weights", "sync_ref_model",
  "ref_model_mixup_alpha", "ref_model_sync_steps", "log_completions",
] as const;

/** GRPOModelConfig in grpo_jsonl.py (both trainers at the commits above): trl ModelConfig plus this. */
const GRPO_MODEL_CONFIG = ["freeze_vision_modules"] as const;

/** trl SFTConfig fields beyond TrainingArguments, huggingface/trl@cd6b3de356dd (v0.17.0) trl/trainer/sft_config.py. */
const TRL_SFT_CONFIG = [
  "model_init_kwargs", "dataset_text_field", "dataset_kwargs", "dataset_num_proc", "dataset_batch_size", "pad_token",
  "eos_token", "max_length", "max_seq_length", "packing", "padding_free", "eval_packing", "completion_only_loss",
  "use_liger", "learning_rate", "num_of_sequences", "chars_per_token",
] as const;

/** SFTConfig additions in src/open-r1-multimodal/src/open_r1/configs.py (both trainers at the commits above). */
const OPEN_R1_SFT_CONFIG = [
  "benchmarks", "callbacks", "system_prompt", "hub_model_revision", "overwrite_hub_revision", "push_to_hub_revision",
  "wandb_entity", "wandb_project",
] as const;

/**
 * SFTScriptArguments in src/open-r1-multimodal/src/open_r1/sft.py: trl ScriptArguments plus
 * image_root at om-ai-lab/VLM-R1@90052f478646; nothing at RobitsG/Facial-R1@0b1be9bd6207 (the
 * field is commented out there, and each datasets-YAML entry carries its image_root instead).
 */
const SFT_SCRIPT_ARGUMENTS: Readonly<Record<VlmR1Trainer, readonly string[]>> = { "vlm-r1": ["image_root"], "facial-r1": [] };

/**
 * Accepted by grpo_jsonl.py's parser but never read, per open_r1/trainer/grpo_trainer.py and
 * grpo_jsonl.py (both trainers at the commits above).
 */
export const GRPO_IGNORED_FLAGS: Readonly<Record<string, string>> = {
  use_vllm: "the VLM-R1 trainer always generates with the policy model; use_vllm is parsed and ignored",
  vllm_device: "vLLM is never used by the VLM-R1 trainer",
  vllm_gpu_memory_utilization: "vLLM is never used by the VLM-R1 trainer",
  vllm_dtype: "vLLM is never used by the VLM-R1 trainer",
  vllm_max_model_len: "vLLM is never used by the VLM-R1 trainer",
  vllm_enable_prefix_caching: "vLLM is never used by the VLM-R1 trainer",
  vllm_guided_decoding_regex: "vLLM is never used by the VLM-R1 trainer",
  temperature: "generation is fixed by the trainer: sampling at temperature 1, max_new_tokens = max_completion_length",
  top_p: "generation is fixed by the trainer's own GenerationConfig (sampling at temperature 1); top_p is never passed",
  top_k: "generation is fixed by the trainer's own GenerationConfig (sampling at temperature 1); top_k is never passed",
  min_p: "generation settings other than max_completion_length are fixed by the trainer",
  repetition_penalty: "generation settings other than max_completion_length are fixed by the trainer",
  cache_implementation: "generation settings other than max_completion_length are fixed by the trainer",
  ds3_gather_for_generation: "the trainer always gathers ZeRO-3 weights for generation; the flag is never passed on",
  reward_weights: "rewards are summed unweighted by the trainer; set rewards.weights in the run config (they are baked into the emitted plugin)",
  max_prompt_length: "the trainer forces max_prompt_length to None; prompts are never truncated",
  sync_ref_model: "the trainer never synchronises a reference model",
  ref_model_mixup_alpha: "the trainer never synchronises a reference model",
  ref_model_sync_steps: "the trainer never synchronises a reference model",
  log_completions: "the trainer never logs completions this way; use training.debug_log (DEBUG_MODE / LOG_PATH)",
  arrow_cache_dir: "grpo_jsonl.py declares arrow_cache_dir but never uses it",
};

/** Flags that would leak a secret into a script, a log or the process list. */
export const SECRET_FLAGS: Readonly<Record<string, string>> = {
  hub_token: "tokens are read from the environment (HF_TOKEN), never passed on the command line",
  push_to_hub_token: "tokens are read from the environment (HF_TOKEN), never passed on the command line",
};

/** Flags the planner sets itself from the run config; `extra_args` may not repeat them. */
export const PLANNER_OWNED_FLAGS: Readonly<Record<string, string>> = {
  output_dir: "output.dir",
  model_name_or_path: "model.path",
  data_file_paths: "datasets[].file",
  image_folders: "datasets[].images",
  reward_method: "datasets[].reward_method",
  reward_funcs: "rewards",
  dataset_name: "datasets (written by the planner)",
  deepspeed: "training.deepspeed",
  per_device_train_batch_size: "training.per_device_batch",
  gradient_accumulation_steps: "training.gradient_accumulation",
  learning_rate: "training.learning_rate",
  num_train_epochs: "training.epochs",
  max_steps: "training.max_steps",
  num_generations: "training.num_generations",
  max_completion_length: "training.max_completion_length",
  beta: "training.beta",
  num_iterations: "training.num_iterations",
  epsilon: "training.epsilon",
  bf16: "training.precision",
  gradient_checkpointing: "training.gradient_checkpointing",
  attn_implementation: "training.attn_implementation",
  report_to: "tracking.backend",
  run_name: "output.run_name",
  seed: "training.seed",
  data_seed: "training.seed",
  save_strategy: "training.save_strategy",
  save_steps: "training.save_steps",
  save_only_model: "training.save_only_model",
  logging_steps: "training.logging_steps",
  max_pixels: "model.max_pixels",
  min_pixels: "model.min_pixels",
  use_peft: "training.finetuning",
  lora_r: "training.lora.r",
  lora_alpha: "training.lora.alpha",
  lora_dropout: "training.lora.dropout",
  lora_target_modules: "training.lora.target_modules",
  freeze_vision_modules: "training.freeze_vision_modules",
  max_length: "training.max_seq_length",
  max_seq_length: "training.max_seq_length",
  packing: "training.packing",
  image_root: "datasets[].images",
};

const GRPO_ACCEPTED: ReadonlySet<string> = new Set([
  ...TRAINING_ARGUMENTS, ...GRPO_CONFIG, ...MODEL_CONFIG, ...GRPO_MODEL_CONFIG, ...TRL_SCRIPT_ARGUMENTS, ...GRPO_SCRIPT_ARGUMENTS, "config",
]);
const SFT_BASE = [...TRAINING_ARGUMENTS, ...TRL_SFT_CONFIG, ...OPEN_R1_SFT_CONFIG, ...MODEL_CONFIG, ...TRL_SCRIPT_ARGUMENTS, "config"];
const SFT_ACCEPTED: Readonly<Record<VlmR1Trainer, ReadonlySet<string>>> = {
  "vlm-r1": new Set([...SFT_BASE, ...SFT_SCRIPT_ARGUMENTS["vlm-r1"]]),
  "facial-r1": new Set([...SFT_BASE, ...SFT_SCRIPT_ARGUMENTS["facial-r1"]]),
};

/** Every flag name the entry point's parser accepts (with underscores). */
export function acceptedFlags(entry: TrainerEntry, target: VlmR1Trainer): ReadonlySet<string> {
  return entry === "grpo" ? GRPO_ACCEPTED : SFT_ACCEPTED[target];
}

/** Why an accepted flag does nothing, or undefined when the trainer reads it. */
export function ignoredFlagReason(entry: TrainerEntry, flag: string): string | undefined {
  return entry === "grpo" ? GRPO_IGNORED_FLAGS[normalizeFlag(flag)] : undefined;
}

/** HfArgumentParser accepts `--a-b` for `a_b`. */
export function normalizeFlag(flag: string): string {
  return flag.replace(/^-+/, "").replace(/-/g, "_");
}
