import type { RunConfig } from "../../../schema/run-config.js";
import type { KeyVocabulary, ReportFinding } from "../types.js";
import { rayTrainerFindings } from "../ray-grpo.js";
import { VERL_CONFIG_KEYS } from "./keys.js";
import { verlRewardFunction } from "./launch.js";

const A = "actor_rollout_ref";

/** Overrides the planner sets, with the run-config setting to change instead. */
const OWNED: Record<string, string> = {
  "algorithm.adv_estimator": "stage (GRPO)",
  "data.train_files": "datasets",
  "data.val_files": "eval.datasets (eval.sh scores the model)",
  "data.train_batch_size": "training.per_device_batch × world × training.gradient_accumulation / training.num_generations",
  "data.max_response_length": "training.max_completion_length",
  "data.seed": "training.seed",
  [`${A}.model.path`]: "model.path",
  [`${A}.model.enable_gradient_checkpointing`]: "training.gradient_checkpointing",
  [`${A}.model.lora_rank`]: "training.finetuning and training.lora.r",
  [`${A}.model.lora_alpha`]: "training.lora.alpha",
  [`${A}.model.target_modules`]: "training.lora.target_modules",
  [`${A}.actor.optim.lr`]: "training.learning_rate",
  [`${A}.actor.ppo_mini_batch_size`]: "training.per_device_batch and training.gradient_accumulation",
  [`${A}.actor.ppo_micro_batch_size_per_gpu`]: "training.per_device_batch",
  [`${A}.actor.ppo_epochs`]: "training.num_iterations",
  [`${A}.actor.clip_ratio`]: "training.epsilon",
  [`${A}.actor.use_kl_loss`]: "training.beta (> 0 turns the KL loss on)",
  [`${A}.actor.kl_loss_coef`]: "training.beta",
  [`${A}.actor.freeze_vision_tower`]: "training.freeze_vision_modules",
  [`${A}.actor.fsdp_config.param_offload`]: "training.deepspeed (zero3-offload)",
  [`${A}.actor.fsdp_config.optimizer_offload`]: "training.deepspeed (zero3-offload)",
  [`${A}.actor.checkpoint.save_contents`]: "training.save_only_model",
  [`${A}.rollout.name`]: "trainer.target (vLLM)",
  [`${A}.rollout.n`]: "training.num_generations",
  [`${A}.rollout.gpu_memory_utilization`]: "trainer.vllm.gpu_memory_utilization",
  [`${A}.rollout.tensor_model_parallel_size`]: "trainer.vllm.tensor_parallel_size",
  "custom_reward_function.path": "rewards (the bundle's plugin)",
  "custom_reward_function.name": "reward_model.reward_manager (the plugin function that manager can call is chosen for it)",
  "trainer.total_epochs": "training.epochs",
  "trainer.total_training_steps": "training.max_steps",
  "trainer.n_gpus_per_node": "hardware.profile",
  "trainer.nnodes": "hardware.nodes",
  "trainer.default_local_dir": "output.dir",
  "trainer.logger": "tracking.backend",
  "trainer.project_name": "tracking.project",
  "trainer.experiment_name": "output.run_name",
  "trainer.save_freq": "training.save_strategy and training.save_steps",
};

/** Accepted by verl, but without effect or breaking the bundle here. */
const IGNORED: Record<string, string> = {
  "trainer.device": "the bundle runs on CUDA GPUs",
  "data.image_key": "the bundle's Parquet keeps images in the images column",
  "data.prompt_key": "the bundle's Parquet keeps the prompt in the prompt column",
  "data.reward_fn_key": "the plugin is called for every row whatever its data_source",
  "trainer.val_only": "validation has no data here (eval.sh scores the model)",
};

export const VERL_VOCABULARY: KeyVocabulary = {
  kind: "verl config (verl/trainer/config/ppo_trainer.yaml)",
  accepted: new Set(VERL_CONFIG_KEYS),
  ignored: IGNORED,
  owned: OWNED,
  dotted: true,
};

/**
 * verl's own batch checks, as main_ppo runs them before any worker starts and as the FSDP
 * workers normalize the batch (verl/utils/config.py validate_config, verl/workers/config/actor.py
 * ActorConfig.validate, verl/workers/fsdp_workers.py), at volcengine/verl@b178a3cd56f5:
 * train_batch_size × rollout.n divisible by the GPU count; train_batch_size ≥ ppo_mini_batch_size;
 * ppo_mini_batch_size × n / world > 0 and divisible by ppo_micro_batch_size_per_gpu.
 */
export function verlFindings(config: RunConfig, report: ReportFinding): void {
  const batch = rayTrainerFindings(config, report, "verl");
  const t = config.training;
  if (Number.isInteger(batch.prompts)) {
    const real = batch.prompts * t.num_generations;
    if (real % batch.world !== 0) {
      report(["training", "per_device_batch"], { message: `verl: real_train_batch_size (${real}) must be divisible by the GPU count (${batch.world})` });
    }
    const perGpu = Math.floor(real / batch.world);
    if (perGpu === 0 || perGpu % t.per_device_batch !== 0) {
      report(["training", "per_device_batch"], {
        message: `verl: the normalized ppo_mini_batch_size (${perGpu} completions per GPU) must be a positive multiple of ppo_micro_batch_size_per_gpu (${t.per_device_batch})`,
      });
    }
  }
  const manager = t.extra_args["reward_model.reward_manager"];
  if (manager !== undefined && (typeof manager !== "string" || !verlRewardFunction(manager))) {
    report(["training", "extra_args", "reward_model.reward_manager"], {
      message: `the plugin has no compute_score variant for reward manager ${JSON.stringify(manager)}; use naive (default), dapo, batch or prime`,
    });
  }
}
