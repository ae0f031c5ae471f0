import { VERL_CHECKPOINTS } from "../checkpoints.js";
import type { TrainerTargetSpec } from "../types.js";
import { parquetShardName } from "../parquet.js";
import { encodeVerlShard, verlRecord } from "./data.js";
import { renderVerlTrainScript, VERL_TRAIN_SCRIPT } from "./launch.js";
import { verlMetrics } from "./metrics.js";
import { VERL_VOCABULARY, verlFindings } from "./rules.js";

/** verl (volcengine/verl@b178a3cd56f5): Parquet rows, main_ppo with Hydra overrides on Ray, console/file metrics. */
export const verlSpec: TrainerTargetSpec = {
  name: "verl",
  sources: ["verl"],
  stages: ["grpo", "grpo-task"],
  vocabulary: VERL_VOCABULARY,
  shardName: parquetShardName,
  record: verlRecord,
  encodeShard: encodeVerlShard,
  configFindings: verlFindings,
  bundleFiles: (ctx) => [{ path: VERL_TRAIN_SCRIPT, content: renderVerlTrainScript(ctx.config, ctx), mode: 0o755 }],
  trainScript: VERL_TRAIN_SCRIPT,
  metrics: verlMetrics,
  checkpoints: VERL_CHECKPOINTS,
};
