import { stringify } from "yaml";
import type { RunConfig } from "../../../schema/run-config.js";
import { dataPathWord } from "../../script-prelude.js";
import { join, variable } from "../../../util/shell.js";
import { runtime, type OverrideValue, type Overrides } from "../overrides.js";
import { renderRayTrainScript } from "../ray.js";
import { rayBatch, wholeEpochs } from "../ray-grpo.js";
import type { TargetBundleContext } from "../types.js";

export const EASYR1_TRAIN_SCRIPT = "train_easyr1.sh";
export const EASYR1_CONFIG = "easyr1/config.yaml";
/** EasyR1's file logger (verl/utils/logger/logger.py FileLogger) writes this into save_checkpoint_path. */
export const EASYR1_FILE_LOG = "experiment_log.jsonl";
/** The plugin function EasyR1 calls (REWARD_TYPE batch: one call per batch of reward inputs). */
export const EASYR1_REWARD_FUNCTION = "compute_score";

/**
 * The settings known at plan time, as EasyR1's config file (merged by verl/trainer/main.py into
 * OmegaConf.structured(PPOConfig()), hiyouga/EasyR1@b44b311b669b). Batch sizes count prompts:
 * data.rollout_batch_size prompts per step; worker.actor.global_batch_size the same (the worker
 * multiplies it by rollout.n and divides by the world size, verl/workers/fsdp_workers.py), so
 * each rollout batch is one optimizer step as in the run config; micro batches are the
 * per-device batch, with dynamic batching off so that they are counted in samples.
 */
export function easyr1Config(config: RunConfig, shards: TargetBundleContext["shards"]): Record<string, unknown> {
  const t = config.training;
  const batch = rayBatch(config);
  const prompts = Math.max(1, Math.floor(batch.prompts));
  const offload = t.deepspeed === "zero3-offload";
  const records = shards.reduce((n, s) => n + s.records, 0);
  const saveFreq = t.save_strategy === "no" ? -1 : t.save_strategy === "steps" ? (t.save_steps ?? -1) : Math.max(1, Math.floor(records / prompts));
  return {
    data: {
      prompt_key: "problem",
      answer_key: "answer",
      image_key: "images",
      max_prompt_length: t.max_seq_length,
      max_response_length: t.max_completion_length,
      rollout_batch_size: prompts,
      val_batch_size: -1,
      format_prompt: null,
      shuffle: true,
      seed: t.seed,
      min_pixels: config.model.min_pixels,
      max_pixels: config.model.max_pixels,
      filter_overlong_prompts: true,
    },
    algorithm: {
      adv_estimator: "grpo",
      disable_kl: t.beta === 0,
      use_kl_loss: t.beta > 0,
      kl_penalty: "low_var_kl",
      kl_coef: t.beta,
      online_filtering: false,
    },
    worker: {
      actor: {
        global_batch_size: prompts,
        micro_batch_size_per_device_for_update: t.per_device_batch,
        micro_batch_size_per_device_for_experience: t.per_device_batch,
        ppo_epochs: t.num_iterations,
        clip_ratio_low: t.epsilon,
        clip_ratio_high: t.epsilon,
        dynamic_batching: false,
        model: {
          enable_gradient_checkpointing: t.gradient_checkpointing,
          freeze_vision_tower: t.freeze_vision_modules,
          ...(batch.lora ? { lora: { rank: t.lora.r, alpha: t.lora.alpha, target_modules: t.lora.target_modules.join(",") } } : {}),
        },
        optim: { lr: t.learning_rate },
        offload: { offload_params: offload, offload_optimizer: offload },
      },
      rollout: {
        name: "vllm",
        n: t.num_generations,
        gpu_memory_utilization: config.trainer.vllm.gpu_memory_utilization,
        tensor_parallel_size: config.trainer.vllm.tensor_parallel_size,
      },
    },
    trainer: {
      total_epochs: wholeEpochs(config),
      ...(t.max_steps !== undefined ? { max_steps: t.max_steps } : {}),
      project_name: config.tracking.project ?? "facial-r1",
      experiment_name: config.output.run_name ?? config.name,
      logger: config.tracking.backend === "wandb" ? ["console", "file", "wandb"] : ["console", "file"],
      val_freq: -1,
      val_before_train: false,
      save_freq: saveFreq,
      save_limit: -1,
      save_model_only: t.save_only_model,
      find_last_checkpoint: true,
    },
  };
}

/** What only the training machine knows (paths, node counts), then extra_args, as command-line overrides. */
export function easyr1Overrides(config: RunConfig, ctx: Pick<TargetBundleContext, "shards" | "pluginFiles" | "script">): Overrides {
  const o: Overrides = new Map<string, OverrideValue>();
  const train = join(variable("BUNDLE_DIR"), `/${ctx.shards[0]?.file ?? "data/train.parquet"}`);
  o.set("config", runtime(join(variable("BUNDLE_DIR"), `/${EASYR1_CONFIG}`)));
  o.set("data.train_files", runtime(train));
  // EasyR1 builds a validation loader whatever val_freq says; it never runs (val_freq -1): eval.sh scores the model.
  o.set("data.val_files", runtime(train));
  o.set("data.image_dir", runtime(variable("DATA_ROOT")));
  if (ctx.script.modelIsLocal) o.set("worker.actor.model.model_path", runtime(dataPathWord(config.model.path)));
  else o.set("worker.actor.model.model_path", config.model.path);
  const plugin = ctx.pluginFiles.find((f) => f.endsWith(".py")) ?? "plugin/facial_r1_rewards.py";
  o.set("worker.reward.reward_function", runtime(join(variable("BUNDLE_DIR"), `/${plugin}:${EASYR1_REWARD_FUNCTION}`)));
  o.set("trainer.save_checkpoint_path", runtime(variable("OUTPUT_DIR")));
  o.set("trainer.nnodes", runtime(variable("NNODES"), false));
  o.set("trainer.n_gpus_per_node", runtime(variable("GPUS_PER_NODE"), false));
  for (const [key, value] of Object.entries(config.training.extra_args)) o.set(key, value);
  return o;
}

export function renderEasyR1ConfigFile(config: RunConfig, ctx: TargetBundleContext): string {
  return `# EasyR1 config written by facial-r1 from ${ctx.script.configLabel.replace(/[\r\n]/g, " ")}; paths and node counts are set on the command line at launch.\n${stringify(easyr1Config(config, ctx.shards))}`;
}

export function renderEasyR1TrainScript(config: RunConfig, ctx: TargetBundleContext): string {
  return renderRayTrainScript({
    config,
    script: ctx.script,
    trainer: "EasyR1",
    module: "verl.trainer.main",
    overrides: easyr1Overrides(config, ctx),
    setup: ["# EasyR1 runs from its checkout (its package is also called verl).", 'export PYTHONPATH="${TRAINER_HOME}${PYTHONPATH:+:${PYTHONPATH}}"', 'cd "${TRAINER_HOME}"'],
  });
}
