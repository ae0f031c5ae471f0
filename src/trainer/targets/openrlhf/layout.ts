import type { RunConfig } from "../../../schema/run-config.js";
import { HARDWARE_PROFILES } from "../../hardware.js";

/** Where OpenRLHF's models run and how its batches are cut, from the run config. */
export interface OpenRlhfLayout {
  /** All GPUs of the job. */
  world: number;
  /** GPUs of the actor (and of the reference model, which shares them). */
  actorNodes: number;
  actorGpusPerNode: number;
  actorGpus: number;
  /** vLLM engines and GPUs per engine. */
  engines: number;
  tensorParallel: number;
  colocate: boolean;
  /** Completions per optimizer step (--train.batch_size). */
  trainBatch: number;
  /** Prompts per rollout (--rollout.batch_size): one optimizer step's completions, num_generations per prompt. */
  rolloutBatch: number;
}

/**
 * colocate: actor, reference and the vLLM engines share every GPU (--train.colocate_all), one
 * engine per tensor_parallel_size GPUs. server: trainer.vllm.gpus GPUs run the engines, the
 * rest train. An actor group is one PACK placement group of single-GPU bundles
 * (openrlhf/trainer/ray/launcher.py, RayActorGroup._initiate_actors), so only
 * num_nodes x num_gpus_per_node matters; whole nodes are named when the count allows.
 */
export function openRlhfLayout(config: RunConfig): OpenRlhfLayout {
  const perNode = HARDWARE_PROFILES[config.hardware.profile].gpusPerNode;
  const world = config.hardware.nodes * perNode;
  const vllm = config.trainer.vllm;
  const colocate = vllm.mode === "colocate";
  const actorGpus = colocate ? world : Math.max(world - vllm.gpus, 0);
  const wholeNodes = actorGpus % perNode === 0 && actorGpus > 0;
  const training = config.training;
  const trainBatch = training.per_device_batch * actorGpus * training.gradient_accumulation;
  return {
    world,
    actorNodes: wholeNodes ? actorGpus / perNode : 1,
    actorGpusPerNode: wholeNodes ? perNode : actorGpus,
    actorGpus,
    engines: Math.floor((colocate ? world : vllm.gpus) / vllm.tensor_parallel_size),
    tensorParallel: vllm.tensor_parallel_size,
    colocate,
    trainBatch,
    rolloutBatch: trainBatch / training.num_generations,
  };
}
