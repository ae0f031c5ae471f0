import { OPENRLHF_CHECKPOINTS } from "../checkpoints.js";
import type { TrainerTargetSpec } from "../types.js";
import { openRlhfFindings } from "./findings.js";
import { OPENRLHF_VOCABULARY } from "./flags.js";
import { openRlhfMetrics } from "./metrics.js";
import { openRlhfRecord, openRlhfShardName } from "./record.js";
import { openRlhfBundleFiles, TRAIN_SCRIPT } from "./script.js";

/** OpenRLHF's train_ppo_ray (OpenRLHF/OpenRLHF@3c3be6234e0c): GRPO with vLLM generation on Ray. */
export const OPENRLHF_SPEC: TrainerTargetSpec = {
  name: "openrlhf",
  sources: ["openrlhf"],
  stages: ["grpo", "grpo-task"],
  vocabulary: OPENRLHF_VOCABULARY,
  shardName: openRlhfShardName,
  record: openRlhfRecord,
  configFindings: openRlhfFindings,
  bundleFiles: openRlhfBundleFiles,
  trainScript: TRAIN_SCRIPT,
  metrics: openRlhfMetrics,
  checkpoints: OPENRLHF_CHECKPOINTS,
};
