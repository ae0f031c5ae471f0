import type { RunConfig } from "../schema/run-config.js";
import { HARDWARE_PROFILES } from "./hardware.js";

/** The plan's arithmetic: how big the run is, step by step, and what it costs. */
export interface RunArithmetic {
  nodes: number;
  gpusPerNode: number;
  worldSize: number;
  perDeviceBatch: number;
  gradientAccumulation: number;
  /** Completions (GRPO) or samples (SFT) per optimizer step, across all GPUs. */
  globalBatch: number;
  /** GRPO: distinct prompts per optimizer step (globalBatch / num_generations). */
  promptsPerStep?: number;
  trainRecords: number;
  epochs: number;
  stepsPerEpoch: number;
  optimizerSteps: number;
  /** Records seen over the run (SFT: samples; GRPO: prompts). */
  samplesSeen: number;
  /** GRPO: completions generated over the run. */
  completionsGenerated?: number;
  throughputPerGpu: number;
  throughputUnit: "completions/s" | "samples/s";
  estimatedGpuHours: number;
  estimatedWallHours: number;
}

export function worldSizeOf(config: RunConfig): number {
  return config.hardware.nodes * HARDWARE_PROFILES[config.hardware.profile].gpusPerNode;
}

/**
 * GRPO: the sampler repeats each prompt num_generations times, so one micro-batch across all
 * ranks holds per_device × world completions = that / num_generations prompts. The trainer
 * refuses to start unless the division is exact.
 */
export function batchDivisibilityProblem(config: RunConfig): string | undefined {
  if (config.stage === "sft") return undefined;
  const world = worldSizeOf(config);
  const perDevice = config.training.per_device_batch;
  const generations = config.training.num_generations;
  if ((perDevice * world) % generations === 0) return undefined;
  const valid = [];
  for (let b = 1; b <= Math.max(16, perDevice * 2) && valid.length < 4; b++) if ((b * world) % generations === 0) valid.push(b);
  return (
    `(per_device_batch ${perDevice} × world size ${world}) % num_generations ${generations} = ${(perDevice * world) % generations}, ` +
    `but the trainer requires 0; use per_device_batch in {${valid.join(", ")}, ...} or a num_generations that divides ${perDevice * world}`
  );
}

export function runArithmetic(config: RunConfig, trainRecords: number): RunArithmetic {
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  const worldSize = config.hardware.nodes * profile.gpusPerNode;
  const t = config.training;
  const globalBatch = t.per_device_batch * worldSize * t.gradient_accumulation;
  const grpo = config.stage !== "sft";
  // GRPO: every record is repeated num_generations times by the sampler.
  const itemsPerEpoch = grpo ? trainRecords * t.num_generations : trainRecords;
  const stepsPerEpoch = Math.ceil(itemsPerEpoch / globalBatch);
  const optimizerSteps = t.max_steps ?? Math.ceil(stepsPerEpoch * t.epochs);
  const itemsTrained = Math.min(optimizerSteps * globalBatch, Math.ceil(itemsPerEpoch * (t.max_steps ? Infinity : t.epochs)));
  const throughputPerGpu = grpo ? config.estimate.completions_per_second_per_gpu : config.estimate.samples_per_second_per_gpu;
  const gpuSeconds = itemsTrained / throughputPerGpu;
  const base: RunArithmetic = {
    nodes: config.hardware.nodes,
    gpusPerNode: profile.gpusPerNode,
    worldSize,
    perDeviceBatch: t.per_device_batch,
    gradientAccumulation: t.gradient_accumulation,
    globalBatch,
    trainRecords,
    epochs: t.epochs,
    stepsPerEpoch,
    optimizerSteps,
    samplesSeen: grpo ? Math.ceil(itemsTrained / t.num_generations) : itemsTrained,
    throughputPerGpu,
    throughputUnit: grpo ? "completions/s" : "samples/s",
    estimatedGpuHours: round(gpuSeconds / 3600, 2),
    estimatedWallHours: round(gpuSeconds / 3600 / worldSize, 2),
  };
  if (grpo) {
    base.promptsPerStep = globalBatch / t.num_generations;
    base.completionsGenerated = itemsTrained;
  }
  return base;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
