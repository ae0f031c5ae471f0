import { z } from "zod";
import { EMOTIONS, EMOTION_SYNONYMS } from "../taxonomy/emotions.js";
import { REWARD_PRESET_NAMES, type RewardPresetName } from "./reward-preset-names.js";

export { REWARD_PRESET_NAMES, type RewardPresetName } from "./reward-preset-names.js";

/**
 * The reward spec: plain data that says how completions are scored. The run config carries it
 * (`rewards:`), `rewards score --config` reads it, and `plugin build` bakes it into the emitted
 * Python, so the trainer scores exactly like the TypeScript scorer.
 */

/** Weights and beta stay within a range where every intermediate result is a finite double. */
const MAX_MAGNITUDE = 1e6;
const finite = (what: string) =>
  z
    .number()
    .refine((n) => Number.isFinite(n) && Math.abs(n) <= MAX_MAGNITUDE, { message: `${what} must be a finite number within ±${MAX_MAGNITUDE}` });

export const RewardWeightsSchema = z
  .strictObject({
    format: finite("weights.format").default(1).describe("Weight of the format reward in the total"),
    accuracy: finite("weights.accuracy").default(1).describe("Weight of the accuracy reward in the total"),
    au: finite("weights.au").default(1).describe("Weight of the AU reward in the total"),
  })
  .describe("total = format * weights.format + accuracy * weights.accuracy + au * weights.au (in this order)");

const DEFAULT_LABELS: Record<string, string[]> = Object.fromEntries(EMOTIONS.map((e) => [e, [...EMOTION_SYNONYMS[e]]]));

export const RewardSpecSchema = z
  .strictObject({
    preset: z
      .enum(REWARD_PRESET_NAMES)
      .default("facial-r1")
      .describe("facial-r1 = the published semantics, quirks included; normalized = case-, synonym- and spelling-tolerant"),
    weights: RewardWeightsSchema.prefault({}),
    beta: z
      .number()
      .refine((n) => Number.isFinite(n) && n > 0 && n <= 1000, { message: "beta must be a number in (0, 1000]" })
      .default(1)
      .describe("F-beta of the AU reward (1 = F1)"),
    clamp: z
      .tuple([finite("clamp[0]"), finite("clamp[1]")])
      .refine(([low, high]) => low <= high, { message: "clamp must be [low, high] with low <= high" })
      .nullable()
      .default(null)
      .describe("Clamp the total to [low, high]; the Facial-R1 fork's trainer clamps to [-10, 10]. null = no clamp"),
    labels: z
      .record(z.string().min(1), z.array(z.string()))
      .default(DEFAULT_LABELS)
      .describe("Label vocabulary: canonical label -> synonyms (used by the normalized preset only)"),
  })
  .describe("Reward spec: preset, weights, beta, clamp and label vocabulary");

export type RewardSpec = z.infer<typeof RewardSpecSchema>;
export type RewardSpecInput = z.input<typeof RewardSpecSchema>;

export const DEFAULT_REWARD_SPEC: RewardSpec = Object.freeze(RewardSpecSchema.parse({})) as RewardSpec;

export const REWARD_PRESETS: Readonly<Record<RewardPresetName, RewardSpec>> = Object.freeze({
  "facial-r1": DEFAULT_REWARD_SPEC,
  normalized: RewardSpecSchema.parse({ preset: "normalized" }),
});

export function isRewardPresetName(name: string): name is RewardPresetName {
  return (REWARD_PRESET_NAMES as readonly string[]).includes(name);
}
