import { stringify } from "yaml";
import type { DeepSpeedStage } from "../schema/run-config.js";

export interface AccelerateConfigParams {
  stage: DeepSpeedStage;
  nodes: number;
  gpusPerNode: number;
}

/**
 * The accelerate launcher config for SFT. The ZeRO settings, optimizer and precision come from
 * the bundle's DeepSpeed JSON, given on the command line (--deepspeed_config_file), the same
 * file GRPO runs use: accelerate refuses a config file that also sets zero_stage, offload
 * devices, accumulation, clipping or mixed_precision next to a DeepSpeed JSON. The machine rank
 * and master address are given per node on the command line, so one file serves every node.
 */
export function accelerateConfig(params: AccelerateConfigParams): Record<string, unknown> {
  return {
    compute_environment: "LOCAL_MACHINE",
    debug: false,
    deepspeed_config: {
      deepspeed_multinode_launcher: "standard",
      zero3_init_flag: params.stage !== "zero2",
    },
    distributed_type: "DEEPSPEED",
    downcast_bf16: "no",
    machine_rank: 0,
    main_training_function: "main",
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

/** YAML 1.1 quoting: accelerate reads the file with PyYAML, for which a bare `no` is false. */
export function renderAccelerateConfig(params: AccelerateConfigParams): string {
  return stringify(accelerateConfig(params), { version: "1.1" });
}
