import type { DeepSpeedStage } from "../schema/run-config.js";

/**
 * DeepSpeed JSON configs as VLM-R1 ships them (local_scripts/zero2.json, zero3.json,
 * zero3_offload.json): every batch and clipping value is "auto", so the HF Trainer fills them
 * from its own arguments and the two can never disagree.
 *
 * One change: the offload config names its optimizer. Without an "optimizer" block the HF
 * Trainer hands DeepSpeed its own torch AdamW, and DeepSpeed refuses a client optimizer with
 * ZeRO-Offload (ZeRORuntimeException; zero_force_ds_cpu_optimizer defaults to true). With the
 * block, DeepSpeed builds its CPU Adam and the Trainer fills the "auto" hyperparameters.
 */
export function deepspeedConfig(stage: DeepSpeedStage): Record<string, unknown> {
  const offload = stage === "zero3-offload" ? "cpu" : "none";
  const common = {
    fp16: { enabled: "auto", loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
    bf16: { enabled: "auto" },
  };
  const tail = {
    gradient_accumulation_steps: "auto",
    gradient_clipping: "auto",
    steps_per_print: 100,
    train_batch_size: "auto",
    train_micro_batch_size_per_gpu: "auto",
    wall_clock_breakdown: false,
  };
  if (stage === "zero2") {
    return {
      ...common,
      zero_optimization: {
        stage: 2,
        offload_optimizer: { device: "none", pin_memory: true },
        allgather_partitions: true,
        allgather_bucket_size: 2e8,
        overlap_comm: false,
        reduce_scatter: true,
        reduce_bucket_size: 2e8,
        contiguous_gradients: true,
      },
      ...tail,
    };
  }
  const optimizer = offload === "cpu" ? { optimizer: { type: "AdamW", params: { lr: "auto", betas: "auto", eps: "auto", weight_decay: "auto" } } } : {};
  return {
    ...common,
    ...optimizer,
    zero_optimization: {
      stage: 3,
      offload_optimizer: { device: offload, pin_memory: true },
      offload_param: { device: offload, pin_memory: true },
      overlap_comm: true,
      contiguous_gradients: true,
      sub_group_size: 1e9,
      reduce_bucket_size: "auto",
      stage3_prefetch_bucket_size: "auto",
      stage3_param_persistence_threshold: "auto",
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    },
    ...tail,
  };
}

/**
 * File name of the config. It must contain "zero3" for ZeRO-3 variants: grpo_jsonl.py applies
 * its Qwen2.5-VL forward patch only when the --deepspeed path contains that substring.
 */
export function deepspeedFileName(stage: DeepSpeedStage): string {
  return stage === "zero2" ? "zero2.json" : stage === "zero3" ? "zero3.json" : "zero3_offload.json";
}

export function renderDeepspeedConfig(stage: DeepSpeedStage): string {
  return `${JSON.stringify(deepspeedConfig(stage), null, 4)}\n`;
}
