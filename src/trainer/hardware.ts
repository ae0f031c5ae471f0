import type { HardwareProfileName, RunConfig } from "../schema/run-config.js";

export interface HardwareProfile {
  name: HardwareProfileName;
  gpu: string;
  gpusPerNode: number;
  /** Usable memory per GPU in GiB (the card's nominal size). */
  gpuMemoryGiB: number;
  /** Whether the profile is meant for LoRA (the default fine-tuning for it). */
  lora: boolean;
}

export const HARDWARE_PROFILES: Record<HardwareProfileName, HardwareProfile> = {
  "8xA800-80G": { name: "8xA800-80G", gpu: "A800-80GB", gpusPerNode: 8, gpuMemoryGiB: 80, lora: false },
  "8xH100-80G": { name: "8xH100-80G", gpu: "H100-80GB", gpusPerNode: 8, gpuMemoryGiB: 80, lora: false },
  "8xA100-80G": { name: "8xA100-80G", gpu: "A100-80GB", gpusPerNode: 8, gpuMemoryGiB: 80, lora: false },
  "1xA100-80G-lora": { name: "1xA100-80G-lora", gpu: "A100-80GB", gpusPerNode: 1, gpuMemoryGiB: 80, lora: true },
};

/** Whether the run trains LoRA adapters: `training.finetuning` when set, else the hardware profile's default. */
export function isLora(config: RunConfig, profileIsLora: boolean): boolean {
  return (config.training.finetuning ?? (profileIsLora ? "lora" : "full")) === "lora";
}
