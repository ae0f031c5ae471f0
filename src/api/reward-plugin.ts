import { z } from "zod";
import { buildPlugin, renderPlugin, type PluginFile } from "../plugins/index.js";
import { PLUGIN_TARGETS, type PluginTarget } from "../plugins/targets.js";
import { loadRewardSpec } from "../rewards/spec-file.js";
import { RewardSpecSchema, type RewardSpec, type RewardSpecInput } from "../schema/reward-spec.js";
import { REWARD_PRESET_NAMES, type RewardPresetName } from "../schema/reward-preset-names.js";
import { parseOptions, sameShape } from "./options.js";

export type { PluginFile, PluginTarget, RewardPresetName, RewardSpec, RewardSpecInput };
export { PLUGIN_TARGETS };

/** Where the reward spec comes from: `spec`, else `configFile` (with `preset` overriding its preset), else `preset`'s (default facial-r1). */
export interface RewardSpecSource {
  /** The reward spec itself (preset, weights, beta, clamp, labels). */
  spec?: RewardSpecInput;
  /** A reward preset: facial-r1 (the published semantics) or normalized. */
  preset?: RewardPresetName;
  /** A reward spec file, or a run config whose `rewards:` to use (YAML or JSON). */
  configFile?: string;
}

export const SPEC_FIELDS = {
  spec: RewardSpecSchema.optional(),
  preset: z.enum(REWARD_PRESET_NAMES).optional(),
  configFile: z.string().min(1).optional(),
};

/** Options of {@link buildRewardPlugin}. */
export interface BuildRewardPluginOptions extends RewardSpecSource {
  target: PluginTarget;
  /** Folder the plugin files are written to (atomically). */
  outDir: string;
}

const BuildRewardPluginOptions = z.strictObject({ target: z.enum(PLUGIN_TARGETS), outDir: z.string().min(1), ...SPEC_FIELDS });
sameShape<z.input<typeof BuildRewardPluginOptions>, BuildRewardPluginOptions>(true);

/** The rewards as a pure-standard-library Python plugin for one trainer; returns the written paths. */
export async function buildRewardPlugin(options: BuildRewardPluginOptions): Promise<string[]> {
  const o = parseOptions("buildRewardPlugin", BuildRewardPluginOptions, options);
  return buildPlugin({ target: o.target, outDir: o.outDir, spec: await rewardSpecOf(o) });
}

/** Options of {@link renderRewardPlugin}. */
export interface RenderRewardPluginOptions extends RewardSpecSource {
  target: PluginTarget;
}

const RenderRewardPluginOptions = z.strictObject({ target: z.enum(PLUGIN_TARGETS), ...SPEC_FIELDS });
sameShape<z.input<typeof RenderRewardPluginOptions>, RenderRewardPluginOptions>(true);

/** The plugin's files as text, without writing them (pure and byte-stable). */
export async function renderRewardPlugin(options: RenderRewardPluginOptions): Promise<PluginFile[]> {
  const o = parseOptions("renderRewardPlugin", RenderRewardPluginOptions, options);
  return renderPlugin(o.target, await rewardSpecOf(o));
}

/** The spec from `spec`, else from `configFile` (with `preset` overriding its preset), else `preset`'s. */
export async function rewardSpecOf(o: { spec?: RewardSpec; preset?: string; configFile?: string }): Promise<RewardSpec> {
  return o.spec ?? loadRewardSpec({ configFile: o.configFile, preset: o.preset });
}
