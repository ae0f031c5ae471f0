import { stringify } from "yaml";
import type { DeepSpeedStage } from "../schema/run-config.js";

export interface AccelerateConfigParams {
  stage: DeepSpeedStage;
  nodes: number;
  gpusPerNode: number;
}

/**
 * The accelerate launcher config for SFT (VLM-R1's configs/zero3.yaml layout). The machine
 * rank and master address are given on the accelerate command line per node, so one file
 * serves every node.
 */
export function accelerateConfig(params: AccelerateConfigParams): Record<string, unknown> {
  const offload = params.stage === "zero3-offload" ? "cpu" : "none";
  const zeroStage = params.stage === "zero2" ? 2 : 3;
  const deepspeed: Record<string, unknown> = {
    deepspeed_multinode_launcher: "standard",
    offload_optimizer_device: offload,
    offload_param_device: offload,
    zero3_init_flag: zeroStage === 3,
    zero3_save_16bit_model: zeroStage === 3,
    zero_stage: zeroStage,
  };
  if (zeroStage === 2) delete deepspeed.offload_param_device;
  return {
    compute_environment: "LOCAL_MACHINE",
    debug: false,
    deepspeed_config: deepspeed,
    distributed_type: "DEEPSPEED",
    downcast_bf16: "no",
    machine_rank: 0,
    main_training_function: "main",
    mixed_precision: "bf16",
    num_machines: params.nodes,
    num_processes: params.nodes * params.gpusPerNode,
    rdzv_backend: "static",
    same_network: true,
    tpu_env: [],
    tpu_use_cluster: false,
    tpu_use_sudo: false,
    use_cpu: false,
  };
}

export function accelerateFileName(stage: DeepSpeedStage): string {
  return stage === "zero2" ? "zero2.yaml" : stage === "zero3" ? "zero3.yaml" : "zero3_offload.yaml";
}

export function renderAccelerateConfig(params: AccelerateConfigParams): string {
  return stringify(accelerateConfig(params));
}
