import { readFile } from "node:fs/promises";
import { invalidInput, unreadableReason } from "../util/errors.js";
import { REWARD_PRESETS, RewardSpecSchema, isRewardPresetName, REWARD_PRESET_NAMES, type RewardSpec } from "./spec.js";

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
  let text: string;
  try {
    text = await readFile(configFile, "utf8");
  } catch (err) {
    throw invalidInput(unreadableReason(err), { file: configFile });
  }
  const { parse } = await import("yaml");
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalidInput(`not valid YAML/JSON: ${(err as Error).message.split("\n")[0]}`, { file: configFile });
  }
  const isObject = doc !== null && typeof doc === "object" && !Array.isArray(doc);
  const section = isObject && "rewards" in (doc as object) ? (doc as { rewards: unknown }).rewards : (doc ?? {});
  const prefix = isObject && "rewards" in (doc as object) ? "rewards" : "";
  const input = section !== null && typeof section === "object" && !Array.isArray(section) ? { ...(section as object) } : section;
  if (preset !== undefined && input !== null && typeof input === "object") (input as { preset?: string }).preset = preset;
  const result = RewardSpecSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || undefined;
    throw invalidInput(issue.message, { file: configFile, field });
  }
  return result.data;
}
