import type { RunConfig } from "../../../schema/run-config.js";
import { dataPathWord } from "../../script-prelude.js";
import { join, variable, type Word } from "../../../util/shell.js";
import { runtime, type OverrideValue, type Overrides } from "../overrides.js";
import { renderRayTrainScript } from "../ray.js";
import { rayBatch, wholeEpochs } from "../ray-grpo.js";
import type { TargetBundleContext } from "../types.js";

export const VERL_TRAIN_SCRIPT = "train_verl.sh";
/** verl's file logger (verl/utils/tracking.py FileLogger) writes here, one JSON line per step. */
export const VERL_FILE_LOG = "verl_metrics.jsonl";

/**
 * The compute_score variant each reward manager can call (verl/workers/reward_manager at
 * volcengine/verl@b178a3cd56f5): naive, dapo and the loop managers accept a dict with "score";
 * prime does float(result) and needs a number; batch calls the batch form.
 */
const REWARD_FUNCTION_BY_MANAGER: Record<string, string> = {
  naive: "compute_score",
  dapo: "compute_score",
  prime: "compute_score_scalar",
  batch: "compute_score_batch",
};

export function verlRewardFunction(manager: string): string | undefined {
  return REWARD_FUNCTION_BY_MANAGER[manager];
}

const A = "actor_rollout_ref";

/**
 * The Hydra overrides of `python3 -m verl.trainer.main_ppo` for a run config. Batch sizes,
 * from verl/trainer/config/_generated_ppo_trainer.yaml and verl/workers/fsdp_workers.py:
 * data.train_batch_size counts prompts; actor.ppo_mini_batch_size too (the worker multiplies
 * it by rollout.n and divides by the world size), set equal to the train batch so that each
 * rollout batch is one optimizer step, as in the run config; ppo_micro_batch_size_per_gpu is
 * the per-device batch, so each GPU accumulates gradient_accumulation micro batches.
 * Settings every run config has are "owned" (refused in extra_args); extra_args come last.
 */
export function verlOverrides(config: RunConfig, ctx: Pick<TargetBundleContext, "shards" | "pluginFiles" | "script">): Overrides {
  const t = config.training;
  const batch = rayBatch(config);
  const prompts = Math.max(1, Math.floor(batch.prompts));
  const o: Overrides = new Map<string, OverrideValue>();
  const bundle = (path: string): OverrideValue => runtime(join(variable("BUNDLE_DIR"), `/${path}`));
  const files: Word[] = ctx.shards.map((s) => join(variable("BUNDLE_DIR"), `/${s.file}`));
  const fileList = runtime(join("[", ...files.flatMap((f, i) => (i === 0 ? ["'", f, "'"] : [",'", f, "'"])), "]"), false);

  o.set("algorithm.adv_estimator", "grpo");
  o.set("algorithm.use_kl_in_reward", false);
  o.set("data.train_files", fileList);
  // verl builds a validation set whatever test_freq says; it never runs (test_freq -1): eval.sh scores the model.
  o.set("data.val_files", fileList);
  o.set("data.prompt_key", "prompt");
  o.set("data.image_key", "images");
  o.set("data.train_batch_size", prompts);
  o.set("data.max_prompt_length", t.max_seq_length);
  o.set("data.max_response_length", t.max_completion_length);
  o.set("data.filter_overlong_prompts", true);
  o.set("data.truncation", "error");
  o.set("data.seed", t.seed);
  o.set(`${A}.model.path`, ctx.script.modelIsLocal ? runtime(dataPathWord(config.model.path)) : config.model.path);
  o.set(`${A}.model.enable_gradient_checkpointing`, t.gradient_checkpointing);
  if (batch.lora) {
    o.set(`${A}.model.lora_rank`, t.lora.r);
    o.set(`${A}.model.lora_alpha`, t.lora.alpha);
    o.set(`${A}.model.target_modules`, t.lora.target_modules);
  }
  o.set(`${A}.actor.optim.lr`, t.learning_rate);
  o.set(`${A}.actor.ppo_mini_batch_size`, prompts);
  o.set(`${A}.actor.ppo_micro_batch_size_per_gpu`, t.per_device_batch);
  o.set(`${A}.actor.ppo_epochs`, t.num_iterations);
  o.set(`${A}.actor.clip_ratio`, t.epsilon);
  o.set(`${A}.actor.use_kl_loss`, t.beta > 0);
  o.set(`${A}.actor.kl_loss_coef`, t.beta);
  o.set(`${A}.actor.freeze_vision_tower`, t.freeze_vision_modules);
  const offload = t.deepspeed === "zero3-offload";
  o.set(`${A}.actor.fsdp_config.param_offload`, offload);
  o.set(`${A}.actor.fsdp_config.optimizer_offload`, offload);
  o.set(`${A}.actor.checkpoint.save_contents`, t.save_only_model ? ["model"] : ["model", "optimizer", "extra"]);
  o.set(`${A}.rollout.name`, "vllm");
  o.set(`${A}.rollout.n`, t.num_generations);
  o.set(`${A}.rollout.gpu_memory_utilization`, config.trainer.vllm.gpu_memory_utilization);
  o.set(`${A}.rollout.tensor_model_parallel_size`, config.trainer.vllm.tensor_parallel_size);
  o.set(`${A}.rollout.log_prob_micro_batch_size_per_gpu`, t.per_device_batch);
  o.set(`${A}.ref.log_prob_micro_batch_size_per_gpu`, t.per_device_batch);
  const manager = typeof t.extra_args["reward_model.reward_manager"] === "string" ? (t.extra_args["reward_model.reward_manager"] as string) : "naive";
  o.set("custom_reward_function.path", bundle(ctx.pluginFiles.find((f) => f.endsWith(".py")) ?? "plugin/facial_r1_rewards.py"));
  o.set("custom_reward_function.name", verlRewardFunction(manager) ?? "compute_score");
  o.set("trainer.total_epochs", wholeEpochs(config));
  if (t.max_steps !== undefined) o.set("trainer.total_training_steps", t.max_steps);
  o.set("trainer.n_gpus_per_node", runtime(variable("GPUS_PER_NODE"), false));
  o.set("trainer.nnodes", runtime(variable("NNODES"), false));
  o.set("trainer.default_local_dir", runtime(variable("OUTPUT_DIR")));
  o.set("trainer.logger", config.tracking.backend === "wandb" ? ["console", "file", "wandb"] : ["console", "file"]);
  o.set("trainer.project_name", config.tracking.project ?? "facial-r1");
  o.set("trainer.experiment_name", config.output.run_name ?? config.name);
  o.set("trainer.save_freq", saveFreq(config, ctx.shards, prompts));
  o.set("trainer.test_freq", -1);
  o.set("trainer.val_before_train", false);
  o.set("trainer.resume_mode", "auto");
  for (const [key, value] of Object.entries(t.extra_args)) o.set(key, value);
  return o;
}

/** Checkpoint interval in steps: an epoch is floor(records / train batch) steps (verl's sampler drops the last partial batch). */
function saveFreq(config: RunConfig, shards: TargetBundleContext["shards"], prompts: number): number {
  const t = config.training;
  if (t.save_strategy === "no") return -1;
  if (t.save_strategy === "steps") return t.save_steps ?? -1;
  const records = shards.reduce((n, s) => n + s.records, 0);
  return Math.max(1, Math.floor(records / prompts));
}

export function renderVerlTrainScript(config: RunConfig, ctx: TargetBundleContext): string {
  return renderRayTrainScript({
    config,
    script: ctx.script,
    trainer: "verl",
    module: "verl.trainer.main_ppo",
    overrides: verlOverrides(config, ctx),
    setup: [
      "# verl runs from its checkout; image paths in the Parquet rows are relative to DATA_ROOT, the",
      "# working directory of the trainer and of every Ray worker started from here.",
      'export PYTHONPATH="${TRAINER_HOME}${PYTHONPATH:+:${PYTHONPATH}}"',
      `export VERL_FILE_LOGGER_PATH="\${OUTPUT_DIR}/${VERL_FILE_LOG}"`,
      'cd "${DATA_ROOT}"',
    ],
  });
}
