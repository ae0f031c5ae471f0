/** The reward presets by name (no imports: the CLI lists them as option choices at start-up). */
export const REWARD_PRESET_NAMES = ["facial-r1", "normalized"] as const;
export type RewardPresetName = (typeof REWARD_PRESET_NAMES)[number];
