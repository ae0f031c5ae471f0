/**
 * The public sources the emitted plugins, launchers, configs and command lines were checked
 * against, read at these commits: each contract the project relies on (import layout, data
 * preparation, reward calling convention, parser fields, config rules) is pinned by a test
 * against a stand-in written from that reading (tests/stand-in/).
 */
export interface TrainerSource {
  [key: string]: unknown;
  /** GitHub owner/name. */
  repo: string;
  commit: string;
  /** What was read there. */
  read: string;
}

export const TRAINER_SOURCES = {
  "vlm-r1": {
    repo: "om-ai-lab/VLM-R1",
    commit: "90052f478646e38bc67363862f699b7afca6b337",
    read: "src/open-r1-multimodal/src/open_r1: grpo_jsonl.py, sft.py, trainer/grpo_trainer.py, trainer/grpo_config.py, configs.py",
  },
  "facial-r1": {
    repo: "RobitsG/Facial-R1",
    commit: "0b1be9bd6207d93ab523a7d9887530aa53235737",
    read: "src/open-r1-multimodal/src/open_r1: grpo_jsonl.py, sft.py, trainer/grpo_trainer.py, trainer/grpo_config.py, configs.py",
  },
  "trl-0.17": {
    repo: "huggingface/trl",
    commit: "cd6b3de356dd03025640681aaad7b45a1574d92f",
    read: "v0.17.0 (pinned by VLM-R1 and the fork): trl/scripts/utils.py (TrlParser, ScriptArguments), trl/trainer/model_config.py, trl/trainer/sft_config.py",
  },
  trl: {
    repo: "huggingface/trl",
    commit: "f2cd57710ae345ea6428ae95363267fcf38a3dc8",
    read: "trl/trainer/grpo_trainer.py (_calculate_rewards, images and multimodal prompts), grpo_config.py (fields, __post_init__ batch rules, multi_objective_aggregation), data_utils.py (prepare_multimodal_messages), scripts/utils.py (TrlParser), scripts/vllm_serve.py, generation/vllm_generation.py; tested for real with trl 1.13.0",
  },
  verl: {
    repo: "volcengine/verl",
    commit: "b178a3cd56f58b2d502255daba591e92833930a7",
    read: "verl/trainer/ppo/reward.py (custom_reward_function), verl/workers/reward_manager/{naive,prime,batch}.py, verl/trainer/main_ppo.py, verl/trainer/config/_generated_ppo_trainer.yaml (config keys), verl/utils/dataset/rl_dataset.py and vision_utils.py (Parquet rows, images), verl/utils/config.py, verl/workers/config/actor.py and fsdp_workers.py (batch checks), verl/utils/tracking.py and logger/aggregate_logger.py (metrics), verl/trainer/constants_ppo.py (Ray runtime env)",
  },
  easyr1: {
    repo: "hiyouga/EasyR1",
    commit: "b44b311b669bf1fd1aa2fc36f2251482ba33cb16",
    read: "verl/workers/reward/function.py (reward_function, REWARD_TYPE), verl/trainer/ray_trainer.py (online filtering, batch checks), verl/trainer/main.py and config.py with the worker configs (config keys, CLI), verl/utils/dataset.py (columns, images, format prompt), verl/workers/fsdp_workers.py (batch normalization), verl/utils/logger/logger.py (file logger), examples/config.yaml",
  },
  openrlhf: {
    repo: "OpenRLHF/OpenRLHF",
    commit: "3c3be6234e0cb353e76bb8019947db9dfe99fca7",
    read: "openrlhf/utils/agent.py (SingleTurnAgentExecutor: reward file and HTTP client), openrlhf/cli/train_ppo_ray.py (flags, asserts), openrlhf/datasets/prompts_dataset.py, openrlhf/datasets/utils.py, openrlhf/utils/vlm_utils.py, openrlhf/trainer/ppo_trainer.py (step log), openrlhf/trainer/ray/ppo_actor.py, launcher.py, openrlhf/utils/deepspeed/deepspeed.py",
  },
  deepspeed: {
    repo: "microsoft/DeepSpeed",
    commit: "38327e07f6cd39b63418f60cedd1651b0be3e7c3",
    read: "deepspeed/runtime/engine.py (_configure_optimizer: ZeRO-Offload with a client optimizer), deepspeed/runtime/config.py (batch assertions)",
  },
} as const satisfies Record<string, TrainerSource>;

export type SourceName = keyof typeof TRAINER_SOURCES;

/** `owner/name@abcdef123456`. */
export function sourceLabel(name: SourceName): string {
  const s = TRAINER_SOURCES[name];
  return `${s.repo}@${s.commit.slice(0, 12)}`;
}
