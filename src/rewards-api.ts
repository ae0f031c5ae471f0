/**
 * `facial-r1/rewards`: the rewards alone, without the rest of the SDK: score completions with the
 * Facial-R1 rewards (one by one or a whole JSONL file), replay a trainer's rollouts, define
 * rewards in TypeScript and serve them, emit the Python plugins that put either into a trainer.
 *
 * @packageDocumentation
 */
export {
  buildRemoteRewardPlugin,
  defineReward,
  listServedRewards,
  OPENRLHF_TOKEN_NOTE,
  REWARD_PRESETS,
  scoreCompletion,
  scoreRewards,
  serveRewards,
  type BuildRemoteRewardPluginOptions,
  type RewardDefinition,
  type RewardInput,
  type RewardScores,
  type RewardSpec,
  type RunningRewardServer,
  type ScoreRewardsOptions,
  type ServeRewardsOptions,
  type Truth,
} from "./api/rewards.js";
export {
  describeScoreMapping,
  describeScoring,
  formatReplayReport,
  formatScoredLine,
  loadRewardSpec,
  replayRewards,
  REWARD_COMPONENTS,
  scoreRewardsFile,
  type GroupDetail,
  type LoadRewardSpecOptions,
  type ReplayInputKind,
  type ReplayReport,
  type ReplayRewardsOptions,
  type RewardComponent,
  type ScoredLine,
  type ScoreFileCounts,
  type ScoreRewardsFileOptions,
} from "./api/reward-files.js";
export { REWARD_PRESET_NAMES, type RewardPresetName } from "./schema/reward-preset-names.js";
export { buildRewardPlugin, PLUGIN_TARGETS, renderRewardPlugin, type BuildRewardPluginOptions, type PluginFile, type PluginTarget, type RenderRewardPluginOptions } from "./api/reward-plugin.js";
