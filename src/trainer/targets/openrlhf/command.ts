import type { RunConfig } from "../../../schema/run-config.js";
import { isLora } from "../../hardware.js";
import { HARDWARE_PROFILES } from "../../hardware.js";
import { dataPathWord } from "../../script-prelude.js";
import { join, joinWith, lit, variable, type Word } from "../../../util/shell.js";
import { OPENRLHF_FLAGS } from "./flags.js";
import type { OpenRlhfLayout } from "./layout.js";
import { IMAGE_KEY, INPUT_KEY, LABEL_KEY } from "./record.js";

export interface Flag {
  flag: string;
  values: Word[];
}

export interface CommandInputs {
  config: RunConfig;
  layout: OpenRlhfLayout;
  modelIsLocal: boolean;
  /** The training files as the run reads them (prepared at launch), in config order. */
  dataFiles: Word[];
  /** Training prompts per pass, over all files. */
  prompts: number;
  longestPrompt: number;
  /** The emitted reward file. */
  rewardFile: Word;
}

const ZERO_STAGE = { zero2: "2", zero3: "3", "zero3-offload": "3" } as const;

/** The longest prompt plus a margin for the character-based estimate, rounded up to 128 tokens. */
export function maxLen(longestPrompt: number, completion: number): number {
  return Math.ceil((Math.ceil(longestPrompt * 1.1) + completion) / 128) * 128;
}

/**
 * The train_ppo_ray.py flags of a GRPO run (names as declared at OpenRLHF/OpenRLHF@3c3be6234e0c,
 * openrlhf/cli/train_ppo_ray.py): group_norm advantages over num_generations completions per
 * prompt, the KL to the reference as a loss term (k3, coefficient beta; 0 loads no reference),
 * rewards from the bundle's reward file, then training.extra_args.
 */
export function trainFlags(inputs: CommandInputs): Flag[] {
  const { config, layout } = inputs;
  const t = config.training;
  const flags: Flag[] = [];
  const add = (flag: string, ...values: (Word | string | number)[]) =>
    flags.push({ flag: `--${flag}`, values: values.map((v) => (typeof v === "object" ? v : lit(String(v)))) });

  add("actor.num_nodes", layout.actorNodes);
  add("actor.num_gpus_per_node", layout.actorGpusPerNode);
  add("ref.num_nodes", layout.actorNodes);
  add("ref.num_gpus_per_node", layout.actorGpusPerNode);
  add("vllm.num_engines", layout.engines);
  add("vllm.tensor_parallel_size", layout.tensorParallel);
  add("vllm.gpu_memory_utilization", config.trainer.vllm.gpu_memory_utilization);
  if (layout.colocate) {
    // Training and generation take turns on each GPU: each side sleeps while the other runs.
    add("train.colocate_all");
    add("vllm.enable_sleep");
    add("ds.enable_sleep");
  } else if (t.beta > 0) {
    add("train.colocate_actor_ref");
  }

  add("actor.model_name_or_path", inputs.modelIsLocal ? dataPathWord(config.model.path) : config.model.path);
  add("reward.remote_url", inputs.rewardFile);
  add("data.prompt_dataset", joinWith(",", inputs.dataFiles));
  add("data.input_key", INPUT_KEY);
  add("data.label_key", LABEL_KEY);
  add("data.image_key", IMAGE_KEY);
  add("data.apply_chat_template");
  add("data.max_images_per_prompt", variable("MAX_IMAGES"));
  add("data.max_len", maxLen(inputs.longestPrompt, t.max_completion_length));
  add("rollout.max_new_tokens", t.max_completion_length);

  add("algo.advantage.estimator", "group_norm");
  add("rollout.n_samples_per_prompt", t.num_generations);
  add("rollout.batch_size", layout.rolloutBatch);
  add("rollout.micro_batch_size", t.per_device_batch);
  add("train.batch_size", layout.trainBatch);
  add("train.micro_batch_size", t.per_device_batch);
  add("train.max_epochs", t.num_iterations);
  add("train.num_episodes", t.epochs);
  add("actor.adam.lr", t.learning_rate);
  add("actor.eps_clip", t.epsilon);
  add("algo.kl.init_coef", t.beta);
  add("algo.kl.use_loss");
  add("algo.kl.estimator", "k3");
  add("train.seed", t.seed);

  add("ds.zero_stage", ZERO_STAGE[t.deepspeed]);
  if (t.deepspeed === "zero3-offload") add("ds.adam_offload");
  add("ds.param_dtype", t.precision);
  add("ds.attn_implementation", t.attn_implementation);
  if (t.gradient_checkpointing) add("actor.gradient_checkpointing_enable");
  if (t.freeze_vision_modules) add("actor.freeze_visual_encoder");
  if (isLora(config, HARDWARE_PROFILES[config.hardware.profile].lora)) {
    add("ds.lora.rank", t.lora.r);
    add("ds.lora.alpha", t.lora.alpha);
    add("ds.lora.dropout", t.lora.dropout);
    add("ds.lora.target_modules", ...t.lora.target_modules);
  }

  add("ckpt.output_dir", variable("OUTPUT_DIR"));
  add("ckpt.path", join(variable("OUTPUT_DIR"), "/ckpt"));
  add("ckpt.load_enable");
  const saveSteps = saveStepsOf(config, inputs.prompts, layout.rolloutBatch);
  add("ckpt.save_steps", saveSteps);
  if (t.save_only_model) {
    add("ckpt.save_hf");
    add("ckpt.disable_ds");
  }
  add("logger.logging_steps", t.logging_steps);
  if (config.tracking.backend === "wandb") {
    // Only its presence matters: WandbLogger logs in with WANDB_API_KEY from the environment
    // (wandb.api.api_key) and uses the flag's value only when that is unset.
    add("logger.wandb.key", "WANDB_API_KEY");
    if (config.tracking.project) add("logger.wandb.project", config.tracking.project);
  }
  add("logger.wandb.run_name", config.output.run_name ?? config.name);

  for (const [raw, value] of Object.entries(t.extra_args)) {
    const key = raw.replace(/^--/, "");
    const kind = OPENRLHF_FLAGS[key];
    if (kind === "true" || kind === "false") {
      if (value === true || value === "true") add(key);
    } else {
      add(key, ...(Array.isArray(value) ? value : [value]).map((v) => String(v)));
    }
  }
  return flags;
}

/**
 * OpenRLHF counts one step per rollout batch (num_iterations optimizer steps): a pass over the
 * prompts is ceil(prompts / rollout batch) of them. -1 saves nothing.
 */
function saveStepsOf(config: RunConfig, prompts: number, rolloutBatch: number): number {
  const t = config.training;
  if (t.save_strategy === "no") return -1;
  if (t.save_strategy === "steps") return Math.max(1, Math.round((t.save_steps ?? 1) / t.num_iterations));
  return Math.max(1, Math.ceil(prompts / Math.max(1, Math.floor(rolloutBatch))));
}
