import { EASYR1_CHECKPOINTS } from "../checkpoints.js";
import type { TrainerTargetSpec } from "../types.js";
import { parquetShardName } from "../parquet.js";
import { easyr1Record, encodeEasyR1Shard } from "./data.js";
import { EASYR1_CONFIG, EASYR1_TRAIN_SCRIPT, renderEasyR1ConfigFile, renderEasyR1TrainScript } from "./launch.js";
import { easyr1Metrics } from "./metrics.js";
import { EASYR1_VOCABULARY, easyr1Findings } from "./rules.js";

/** EasyR1 (hiyouga/EasyR1@b44b311b669b): Parquet rows, verl.trainer.main with a config file and overrides on Ray, file-logger metrics. */
export const easyr1Spec: TrainerTargetSpec = {
  name: "easyr1",
  sources: ["easyr1"],
  stages: ["grpo", "grpo-task"],
  vocabulary: EASYR1_VOCABULARY,
  shardName: parquetShardName,
  record: easyr1Record,
  encodeShard: encodeEasyR1Shard,
  configFindings: easyr1Findings,
  bundleFiles: (ctx) => [
    { path: EASYR1_CONFIG, content: renderEasyR1ConfigFile(ctx.config, ctx) },
    { path: EASYR1_TRAIN_SCRIPT, content: renderEasyR1TrainScript(ctx.config, ctx), mode: 0o755 },
  ],
  trainScript: EASYR1_TRAIN_SCRIPT,
  metrics: easyr1Metrics,
  checkpoints: EASYR1_CHECKPOINTS,
};
