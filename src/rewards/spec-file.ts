import { z } from "zod";
import { checkYamlConfig, orThrow, readYamlMapping } from "../util/yaml-config.js";
import { invalidInput } from "../util/errors.js";
import { REWARD_PRESETS, RewardSpecSchema, isRewardPresetName, REWARD_PRESET_NAMES, type RewardSpec } from "../schema/reward-spec.js";

/**
 * The reward spec a command uses: the `rewards:` section of a run config (YAML or JSON), or a
 * file that is a reward spec itself; else the named preset (default facial-r1). `preset`
 * overrides the preset named in the file.
 */
export async function loadRewardSpec(params: { configFile?: string; preset?: string }): Promise<RewardSpec> {
  const { configFile, preset } = params;
  if (preset !== undefined && !isRewardPresetName(preset)) {
    throw invalidInput(`unknown preset "${preset}"; expected one of ${REWARD_PRESET_NAMES.join(", ")}`, { field: "--preset" });
  }
  if (configFile === undefined) return REWARD_PRESETS[preset ?? "facial-r1"];
  const mapping = orThrow(await readYamlMapping(configFile, { kind: "a reward config", mappingHint: "(a reward spec, or a run config with a rewards: section)" }));
  const withPreset = (section: unknown) => (preset !== undefined && isMapping(section) ? { ...section, preset } : section);
  // A run config: its rewards: section, checked where it sits (other keys are the run config's).
  if ("rewards" in mapping.value) return orThrow(checkYamlConfig(RUN_CONFIG_REWARDS, mapping, { ...mapping.value, rewards: withPreset(mapping.value.rewards) })).rewards;
  return orThrow(checkYamlConfig(RewardSpecSchema, mapping, withPreset(mapping.value)));
}

const RUN_CONFIG_REWARDS = z.looseObject({ rewards: RewardSpecSchema });

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
