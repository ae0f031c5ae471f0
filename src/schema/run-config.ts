import { z } from "zod";
import { RewardSpecSchema, DEFAULT_REWARD_SPEC } from "./reward-spec.js";

/**
 * The run config: one YAML file describing a training run (model, data, rewards, stage,
 * hardware, hyperparameters). Every object is strict, so a misspelt key is an error with a
 * suggestion rather than a silently ignored setting. Defaults are the paper's.
 */

export const STAGES = ["sft", "grpo", "grpo-task"] as const;
/** What the name of a run or a loop may be (it names folders and jobs): letters, digits, '.', '_' and '-', not starting with '.', '_' or '-'. */
export const RUN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const TRAINER_TARGETS = ["vlm-r1", "facial-r1", "trl", "verl", "easyr1", "openrlhf"] as const;
/** Targets that train from the bundle's own data format and launch line, generating with vLLM. */
export const VLLM_TARGETS = ["trl", "verl", "easyr1", "openrlhf"] as const;
export const DEEPSPEED_STAGES = ["zero2", "zero3", "zero3-offload"] as const;
export const HARDWARE_PROFILE_NAMES = ["8xA800-80G", "8xH100-80G", "8xA100-80G", "1xA100-80G-lora"] as const;

export type Stage = (typeof STAGES)[number];
export type TrainerTarget = (typeof TRAINER_TARGETS)[number];
export type VllmTarget = (typeof VLLM_TARGETS)[number];
export type DeepSpeedStage = (typeof DEEPSPEED_STAGES)[number];
export type HardwareProfileName = (typeof HARDWARE_PROFILE_NAMES)[number];

const positiveInt = () => z.number().int().positive();

export const SamplingSchema = z
  .strictObject({
    strategy: z.enum(["all", "first", "end", "random"]).default("all").describe("Which records to keep: all, the first N, the last N, or N at random"),
    count: positiveInt().optional().describe("Number of records to keep"),
    percent: z.number().gt(0).max(100).optional().describe("Percentage of records to keep (rounded up)"),
    seed: z.number().int().default(42).describe("Seed of the random strategy"),
  })
  .refine((s) => s.strategy === "all" || (s.count === undefined) !== (s.percent === undefined), {
    message: "give exactly one of count or percent for strategies first, end and random",
  })
  .describe("Optional subsampling of one data file, applied when the bundle's shards are written");

export const DatasetEntrySchema = z
  .strictObject({
    file: z.string().min(1).describe("FEA JSONL file (path relative to this config file)"),
    images: z.string().min(1).describe("Image folder the records' image paths are relative to"),
    reward_method: z.string().min(1).optional().describe("Accuracy reward method for this file (the trainer's --reward_method); a record's accu_reward_method overrides it"),
    sample: SamplingSchema.optional(),
  })
  .describe("One data file and its image folder");

export const ModelSchema = z
  .strictObject({
    path: z.string().min(1).describe("Model directory or hub id, e.g. /models/Qwen2.5-VL-7B-Instruct"),
    parameters_b: z.number().positive().optional().describe("Parameter count in billions; inferred from the path (e.g. 7B) when absent"),
    min_pixels: positiveInt().default(3136).describe("Smallest image area after resizing (Qwen2.5-VL processor)"),
    max_pixels: positiveInt().default(12845056).describe("Largest image area after resizing (Qwen2.5-VL processor)"),
  })
  .describe("The model to train");

export const VllmSchema = z
  .strictObject({
    mode: z
      .enum(["colocate", "server"])
      .default("colocate")
      .describe("colocate: vLLM shares the training GPUs; server: `gpus` GPUs of the first node run generation only, the others train"),
    gpus: positiveInt().default(1).describe("server mode: GPUs given to generation"),
    gpu_memory_utilization: z.number().gt(0).max(1).default(0.4).describe("Share of each generation GPU's memory vLLM may take"),
    tensor_parallel_size: positiveInt().default(1).describe("GPUs per vLLM engine"),
  })
  .describe("vLLM generation of the trl, verl, easyr1 and openrlhf targets (VLM-R1 and the fork generate with model.generate)");

export const TrainerSchema = z
  .strictObject({
    target: z
      .enum(TRAINER_TARGETS)
      .default("facial-r1")
      .describe("vlm-r1 = upstream om-ai-lab/VLM-R1 with the emitted reward plugin; facial-r1 = the Facial-R1 fork; trl, verl, easyr1, openrlhf = those trainers, generating with vLLM"),
    home: z.string().min(1).default("./VLM-R1").describe("Checkout of the trainer repository on the training machines (TRAINER_HOME overrides it at launch)"),
    vllm: VllmSchema.prefault({}),
    drop_empty_aus: z
      .boolean()
      .default(false)
      .describe('facial-r1 target, GRPO: leave out records whose AUs is [] (the fork\'s data preparation fails on them); the count is reported. `plan --drop-empty-aus` sets it'),
  })
  .describe("Which trainer runs the job");

export const HardwareSchema = z
  .strictObject({
    profile: z.enum(HARDWARE_PROFILE_NAMES).default("8xA800-80G").describe("GPU kind and count per node"),
    nodes: positiveInt().default(1).describe("Number of nodes (one torchrun per node)"),
    master_addr: z.string().min(1).default("127.0.0.1").describe("Address of node 0 (MASTER_ADDR overrides it at launch)"),
    master_port: z.number().int().min(1).max(65535).default(12349).describe("Rendezvous port on node 0"),
  })
  .describe("Where the job runs");

export const LoraSchema = z
  .strictObject({
    r: positiveInt().default(64),
    alpha: positiveInt().default(128),
    dropout: z.number().min(0).max(1).default(0.05),
    target_modules: z.array(z.string().min(1)).min(1).default(["q_proj", "k_proj", "v_proj", "o_proj"]),
  })
  .describe("LoRA adapter settings (used when finetuning is lora)");

/** Values a trainer flag may take in `extra_args`. */
export const FlagValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);

export const TrainingSchema = z
  .strictObject({
    finetuning: z.enum(["full", "lora"]).optional().describe("full (paper) or lora; the 1xA100-80G-lora profile defaults to lora"),
    lora: LoraSchema.prefault({}),
    precision: z.enum(["bf16"]).default("bf16").describe("Mixed precision (the paper and the trainer use bf16)"),
    deepspeed: z.enum(DEEPSPEED_STAGES).default("zero3").describe("DeepSpeed config: zero2, zero3 (paper) or zero3-offload"),
    attn_implementation: z.enum(["flash_attention_2", "sdpa", "eager"]).default("flash_attention_2"),
    gradient_checkpointing: z.boolean().default(true),
    learning_rate: z.number().positive().default(2e-5).describe("Paper: 2e-5. The published GRPO script passes none (trainer default 1e-6); its SFT script uses 5e-6"),
    per_device_batch: positiveInt().default(8).describe("per_device_train_batch_size"),
    gradient_accumulation: positiveInt().default(4).describe("gradient_accumulation_steps"),
    epochs: z.number().positive().default(8).describe("num_train_epochs"),
    max_steps: positiveInt().optional().describe("Stop after this many optimizer steps (overrides epochs)"),
    num_generations: positiveInt().default(8).describe("GRPO: completions sampled per prompt"),
    max_completion_length: positiveInt().default(256).describe("GRPO: max new tokens per completion"),
    beta: z.number().min(0).default(0).describe("GRPO: KL coefficient; 0 loads no reference model"),
    num_iterations: positiveInt().default(1).describe("GRPO: optimisation passes per generation batch"),
    epsilon: z.number().positive().default(0.2).describe("GRPO: clipping range"),
    max_seq_length: positiveInt().default(2048).describe("SFT: max tokens per packed sequence"),
    packing: z.boolean().default(true).describe("SFT: pack samples into sequences"),
    freeze_vision_modules: z.boolean().default(false),
    seed: z.number().int().default(42),
    save_strategy: z.enum(["epoch", "steps", "no"]).default("epoch"),
    save_steps: positiveInt().optional(),
    save_only_model: z.boolean().default(false).describe("true = smaller checkpoints that cannot be resumed"),
    logging_steps: positiveInt().default(1),
    debug_log: z.boolean().default(true).describe("Rollout debug log (DEBUG_MODE / LOG_PATH)"),
    extra_args: z.record(z.string(), FlagValueSchema).default({}).describe("Further trainer flags, checked against the trainer's parser before they are passed"),
  })
  .describe("Hyperparameters; defaults are the paper's (full fine-tuning, bf16, ZeRO-3, flash attention 2, lr 2e-5, batch 8, accumulation 4, 8 generations, 256 tokens, beta 0)");

export const TrackingSchema = z
  .strictObject({
    backend: z.enum(["wandb", "none"]).default("none").describe("wandb reads WANDB_API_KEY from the environment at launch"),
    project: z.string().min(1).optional().describe("WANDB_PROJECT"),
  })
  .describe("Experiment tracking");

export const OutputSchema = z
  .strictObject({
    dir: z.string().min(1).optional().describe("Trainer output_dir on the training machines; default outputs/<name>"),
    run_name: z.string().min(1).optional().describe("run_name; default the config's name"),
  })
  .describe("Output names");

export const EstimateSchema = z
  .strictObject({
    completions_per_second_per_gpu: z.number().positive().default(0.5).describe("GRPO throughput used for the GPU-hour estimate (completions generated and trained per GPU-second)"),
    samples_per_second_per_gpu: z.number().positive().default(2).describe("SFT throughput used for the GPU-hour estimate"),
  })
  .describe("Throughput figures behind the plan's GPU-hour estimate; set them from a measured run");

export const RunConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(RUN_NAME_PATTERN, "use letters, digits, '.', '_' and '-' only")
      .describe("Run name: used for the output directory and run_name"),
    stage: z.enum(STAGES).describe("sft (stage 1), grpo (stage 2), grpo-task (stage 3, task-specific GRPO)"),
    model: ModelSchema,
    trainer: TrainerSchema.prefault({}),
    datasets: z.array(DatasetEntrySchema).min(1).describe("Training data files with their image folders"),
    eval: z
      .strictObject({ datasets: z.array(DatasetEntrySchema).default([]) })
      .prefault({})
      .describe("Test files the bundle's eval script scores"),
    rewards: RewardSpecSchema.prefault(DEFAULT_REWARD_SPEC).describe("Reward preset and weights (baked into the emitted plugin)"),
    hardware: HardwareSchema.prefault({}),
    training: TrainingSchema.prefault({}),
    tracking: TrackingSchema.prefault({}),
    output: OutputSchema.prefault({}),
    estimate: EstimateSchema.prefault({}),
  })
  .describe("A facial-r1 run config");

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type DatasetEntry = z.infer<typeof DatasetEntrySchema>;
export type Sampling = z.infer<typeof SamplingSchema>;

/** The JSON Schema editors use for completion (schemas/run-config.schema.json). */
export function runConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RunConfigSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { title: "facial-r1 run config", ...schema };
}
