/**
 * `facial-r1/rewards`: the rewards alone, without the rest of the SDK: score completions with the
 * Facial-R1 rewards, define rewards in TypeScript and serve them, emit the Python plugins that
 * put either into a trainer.
 *
 * @packageDocumentation
 */
export {
  buildRemoteRewardPlugin,
  defineReward,
  listServedRewards,
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
export { buildRewardPlugin, PLUGIN_TARGETS, renderRewardPlugin, type BuildRewardPluginOptions, type PluginFile, type PluginTarget, type RenderRewardPluginOptions } from "./api/reward-plugin.js";
