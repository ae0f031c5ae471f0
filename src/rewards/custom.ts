import { z } from "zod";
import { invalidInput } from "../util/errors.js";

/**
 * Rewards written in TypeScript. A definition names the reward, states its range and scores one
 * completion; `serveRewards` serves it over HTTP (batched), and `buildRemoteRewardPlugin` emits,
 * for each trainer, a small Python plugin that calls that server in the trainer's own calling
 * convention.
 */
export interface RewardInput {
  /** The completion's text (for a message list: its last assistant message). */
  completion: string;
  /** Ground truth, as the trainer's data carries it. */
  AUs?: string[];
  labels?: string[];
  solution?: string;
  /** The prompt, when the trainer passes it on. */
  prompt?: string;
}

export interface RewardDefinition {
  /** A Python identifier: the function name the trainers log (`<name>_reward` where they append one). */
  readonly name: string;
  /** [lowest, highest] the reward can take; maps it to [0, 1] for trainers that filter on a score. */
  readonly range: readonly [number, number];
  readonly score: (input: RewardInput) => number | Promise<number>;
  /** What it rewards, for the server's listing and the emitted plugin's docstring. */
  readonly description?: string;
}

const RewardDefinitionSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, "use lower-case letters, digits and '_', starting with a letter (it becomes a Python function name)")
    .refine((n) => !["format", "accuracy", "au"].includes(n), "format, accuracy and au are the built-in rewards' names"),
  range: z
    .tuple([z.number().finite(), z.number().finite()])
    .refine(([lo, hi]) => lo < hi, "the range's lowest value must be below its highest"),
  score: z.custom<RewardDefinition["score"]>((v) => typeof v === "function", "expected a function (input) => number"),
  description: z.string().optional(),
});

/** Checks and freezes a reward definition. */
export function defineReward(definition: RewardDefinition): RewardDefinition {
  const result = RewardDefinitionSchema.safeParse(definition);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidInput(`defineReward(${JSON.stringify((definition as { name?: unknown })?.name ?? "?")}): ${issue.path.join(".") || "definition"}: ${issue.message}`);
  }
  const { name, range, score, description } = result.data;
  return Object.freeze({ name, range: Object.freeze([range[0], range[1]] as const), score, ...(description !== undefined ? { description } : {}) });
}

/** The reward of one input, checked against the definition's range (a value outside it, or NaN, is an error). */
export async function scoreWith(definition: RewardDefinition, input: RewardInput, index: number): Promise<number> {
  const value = await definition.score(input);
  const [lo, hi] = definition.range;
  if (typeof value !== "number" || !Number.isFinite(value) || value < lo || value > hi) {
    throw invalidInput(`reward ${definition.name} returned ${String(value)} for item ${index}, outside its range [${lo}, ${hi}]`);
  }
  return value;
}

/** (value - lo) / (hi - lo): the reward on [0, 1]. */
export function unitScore(definition: RewardDefinition, value: number): number {
  const [lo, hi] = definition.range;
  return (value - lo) / (hi - lo);
}
