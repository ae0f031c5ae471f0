import type { DeepSpeedStage } from "../../src/schema/run-config.js";
import { modelShape, type MemoryParams } from "../../src/trainer/memory.js";

/** Memory inputs of a GRPO run of Qwen2.5-VL-7B with the paper's batch and lengths. */
export function fitFromConfig(p: { zero: DeepSpeedStage; lora: boolean; worldSize: number }): MemoryParams {
  return {
    shape: modelShape(7),
    zero: p.zero,
    lora: p.lora,
    worldSize: p.worldSize,
    gradientCheckpointing: true,
    microBatch: 8,
    sequenceTokens: 900 + 256,
    referenceModel: false,
    gatherForGeneration: true,
    gpuMemoryGiB: 80,
  };
}
