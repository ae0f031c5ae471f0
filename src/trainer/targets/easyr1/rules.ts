import type { RunConfig } from "../../../schema/run-config.js";
import type { KeyVocabulary, ReportFinding } from "../types.js";
import { rayTrainerFindings } from "../ray-grpo.js";
import { EASYR1_CONFIG_KEYS, EASYR1_DERIVED_KEYS } from "./keys.js";

const ACTOR = "worker.actor";

/** Keys the planner sets, with the run-config setting to change instead. */
const OWNED: Record<string, string> = {
  "data.train_files": "datasets",
  "data.val_files": "eval.datasets (eval.sh scores the model)",
  "data.image_dir": "datasets[].images (paths are relative to DATA_ROOT)",
  "data.max_response_length": "training.max_completion_length",
  "data.rollout_batch_size": "training.per_device_batch × world × training.gradient_accumulation / training.num_generations",
  "data.seed": "training.seed",
  "data.min_pixels": "model.min_pixels",
  "data.max_pixels": "model.max_pixels",
  "algorithm.adv_estimator": "stage (GRPO)",
  "algorithm.disable_kl": "training.beta (0 loads no reference model)",
  "algorithm.use_kl_loss": "training.beta",
  "algorithm.kl_coef": "training.beta",
  [`${ACTOR}.global_batch_size`]: "training.per_device_batch and training.gradient_accumulation",
  [`${ACTOR}.micro_batch_size_per_device_for_update`]: "training.per_device_batch",
  [`${ACTOR}.micro_batch_size_per_device_for_experience`]: "training.per_device_batch",
  [`${ACTOR}.ppo_epochs`]: "training.num_iterations",
  [`${ACTOR}.clip_ratio_low`]: "training.epsilon",
  [`${ACTOR}.clip_ratio_high`]: "training.epsilon",
  [`${ACTOR}.model.model_path`]: "model.path",
  [`${ACTOR}.model.enable_gradient_checkpointing`]: "training.gradient_checkpointing",
  [`${ACTOR}.model.freeze_vision_tower`]: "training.freeze_vision_modules",
  [`${ACTOR}.model.lora.rank`]: "training.finetuning and training.lora.r",
  [`${ACTOR}.model.lora.alpha`]: "training.lora.alpha",
  [`${ACTOR}.model.lora.target_modules`]: "training.lora.target_modules",
  [`${ACTOR}.optim.lr`]: "training.learning_rate",
  [`${ACTOR}.offload.offload_params`]: "training.deepspeed (zero3-offload)",
  [`${ACTOR}.offload.offload_optimizer`]: "training.deepspeed (zero3-offload)",
  "worker.rollout.name": "trainer.target (vLLM)",
  "worker.rollout.n": "training.num_generations",
  "worker.rollout.gpu_memory_utilization": "trainer.vllm.gpu_memory_utilization",
  "worker.rollout.tensor_parallel_size": "trainer.vllm.tensor_parallel_size",
  "worker.reward.reward_function": "rewards (the bundle's plugin)",
  "trainer.total_epochs": "training.epochs",
  "trainer.max_steps": "training.max_steps",
  "trainer.project_name": "tracking.project",
  "trainer.experiment_name": "output.run_name",
  "trainer.logger": "tracking.backend",
  "trainer.nnodes": "hardware.nodes",
  "trainer.n_gpus_per_node": "hardware.profile",
  "trainer.save_freq": "training.save_strategy and training.save_steps",
  "trainer.save_model_only": "training.save_only_model",
  "trainer.save_checkpoint_path": "output.dir",
};

const IGNORED: Record<string, string> = {
  ...Object.fromEntries(EASYR1_DERIVED_KEYS.map((k) => [k, "EasyR1 sets it itself from other keys (a field with init=False)"])),
  "data.prompt_key": "the bundle's Parquet keeps the prompt in the problem column",
  "data.answer_key": "the bundle's Parquet keeps the ground truth in the answer column",
  "data.image_key": "the bundle's Parquet keeps images in the images column",
  "data.format_prompt": "the prompt text is the VLM-R1 path's already; a template would change it",
  [`${ACTOR}.dynamic_batching`]: "on, micro batches are counted in tokens and training.per_device_batch no longer holds",
  "trainer.val_only": "validation has no data here (eval.sh scores the model)",
};

export const EASYR1_VOCABULARY: KeyVocabulary = {
  kind: "EasyR1 config (verl/trainer/config.py PPOConfig)",
  accepted: new Set([...EASYR1_CONFIG_KEYS, ...EASYR1_DERIVED_KEYS]),
  ignored: IGNORED,
  owned: OWNED,
  dotted: true,
};

/**
 * EasyR1's checks before and while its workers start (hiyouga/EasyR1@b44b311b669b,
 * verl/trainer/ray_trainer.py RayPPOTrainer.__init__ and verl/workers/fsdp_workers.py): rollout
 * batch divisible by the actor's global batch; rollout batch × n divisible by the experience
 * micro batch; GRPO with n > 1; global batch × n / world > 0 and divisible by the update micro
 * batch; the rollout world divisible by the vLLM tensor-parallel size. It reads one training
 * file (data.train_files is a single path).
 */
export function easyr1Findings(config: RunConfig, report: ReportFinding): void {
  const batch = rayTrainerFindings(config, report, "EasyR1");
  const t = config.training;
  if (Number.isInteger(batch.prompts)) {
    const completions = batch.prompts * t.num_generations;
    if (completions % t.per_device_batch !== 0) {
      report(["training", "per_device_batch"], { message: `EasyR1: rollout_batch_size × rollout.n (${completions}) must be divisible by micro_batch_size_per_device_for_experience (${t.per_device_batch})` });
    }
    const perDevice = Math.floor(completions / batch.world);
    if (perDevice === 0) {
      report(["training", "per_device_batch"], { message: `EasyR1: the actor's global batch × n (${completions}) must be at least the GPU count (${batch.world})` });
    } else if (perDevice % t.per_device_batch !== 0) {
      report(["training", "per_device_batch"], { message: `EasyR1: the global batch per device (${perDevice}) must be divisible by micro_batch_size_per_device_for_update (${t.per_device_batch})` });
    }
  }
  if (config.datasets.length > 1) {
    report(["datasets"], {
      message: `EasyR1 reads one training file (data.train_files is a single path); the config has ${config.datasets.length}`,
      fix: "merge them into one file first (facial-r1 data merge), or use trainer.target verl",
    });
  }
}
