/**
 * The public constants the CLI needs while it registers its commands (option choices, defaults
 * shown in the help). Start-up does not load the library (`facial-r1` pulls in zod and the rest),
 * so they are spelled out here; each is typed as the public constant itself, so a list that
 * differs from the library's, by a name or by the order, does not compile.
 */
import type { CONVERTER_NAMES, DEFAULT_SAMPLE_SEED } from "../index.js";
import type { PLUGIN_TARGETS, REWARD_PRESET_NAMES } from "../rewards-api.js";

/** `data convert --from`. */
export const CONVERTER_CHOICES: typeof CONVERTER_NAMES = ["fer2013", "rafdb", "affectnet", "disfa", "bp4d", "rafau", "fea20k"];

/** `data convert --seed` and `data sample --seed`, when none is given. */
export const SAMPLE_SEED: typeof DEFAULT_SAMPLE_SEED = 42;

/** `plugin build --target`. */
export const PLUGIN_TARGET_CHOICES: typeof PLUGIN_TARGETS = ["vlm-r1", "facial-r1", "trl", "verl", "easyr1", "openrlhf"];

/** `--preset` of `rewards score`, `rewards serve`, `rewards replay` and `plugin build`. */
export const REWARD_PRESET_CHOICES: typeof REWARD_PRESET_NAMES = ["facial-r1", "normalized"];
