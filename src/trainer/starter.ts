import type { Stage } from "../schema/run-config.js";

/**
 * The annotated starter written by `facial-r1 config init`: every section with the paper's
 * defaults spelled out, so the file documents itself. It must always validate (a test checks).
 */
export function starterConfig(params: { name: string; stage: Stage }): string {
  const sft = params.stage === "sft";
  return `# yaml-language-server: $schema=node_modules/facial-r1/schemas/run-config.schema.json
# A facial-r1 run config. Check it with \`facial-r1 config validate FILE\`, then
# \`facial-r1 plan FILE --out DIR\` writes the run bundle (scripts, DeepSpeed and accelerate
# configs, reward plugin, data shards, manifest). Relative paths resolve against this file's folder.

name: ${params.name}                 # run name: output directory and run_name
stage: ${params.stage}                        # sft (stage 1) | grpo (stage 2) | grpo-task (stage 3)

model:
  path: /models/Qwen2.5-VL-7B-Instruct   # must contain "Qwen2-VL" or "Qwen2.5-VL"
  # parameters_b: 8.3                    # billions; inferred from the path ("7B") when absent
  min_pixels: 3136
  max_pixels: 12845056

trainer:
  target: facial-r1                    # facial-r1 (the fork) | vlm-r1 (upstream + emitted reward plugin)
  home: ./VLM-R1                       # trainer checkout on the training machines (TRAINER_HOME overrides)

datasets:                              # one entry per JSONL file; images relative to its folder
  - file: data/train.jsonl
    images: data/images
    # reward_method: default           # the trainer's --reward_method for this file
    # sample: {strategy: random, count: 1000, seed: 42}   # or first / end, count or percent

eval:
  datasets:
    - file: data/test.jsonl
      images: data/images

rewards:
  preset: facial-r1                    # facial-r1 (published semantics) | normalized
  weights: {format: 1, accuracy: 1, au: 1}

hardware:
  profile: 8xA800-80G                  # 8xA800-80G | 8xH100-80G | 8xA100-80G | 1xA100-80G-lora
  nodes: 1
  master_addr: 127.0.0.1
  master_port: 12349

training:                              # the paper's defaults
  finetuning: full                     # full | lora
  deepspeed: zero3                     # zero2 | zero3 | zero3-offload
  attn_implementation: flash_attention_2
  gradient_checkpointing: true
  learning_rate: ${sft ? "5.0e-6" : "2.0e-5"}
  per_device_batch: ${sft ? 2 : 8}
  gradient_accumulation: ${sft ? 2 : 4}
  epochs: ${sft ? 2 : 8}
  num_generations: 8                   # GRPO: (per_device_batch x GPUs) must be a multiple
  max_completion_length: 256
  beta: 0.0                            # 0 = no reference model
  max_seq_length: 2048                 # SFT
  packing: true                        # SFT
  seed: 42
  save_strategy: epoch
  logging_steps: 1
  debug_log: true                      # rollout log (DEBUG_MODE / LOG_PATH)
  extra_args: {}                       # more trainer flags, checked against the trainer's parser

tracking:
  backend: none                        # wandb (reads WANDB_API_KEY from the environment) | none

estimate:                              # throughput behind the GPU-hour estimate; set from a real run
  completions_per_second_per_gpu: 0.5
  samples_per_second_per_gpu: 2
`;
}
