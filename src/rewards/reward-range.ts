/**
 * The range of each reward and of the weighted total, for mapping a total to [0, 1]:
 * format in [0, 1], accuracy in [0, 1], AU in [-1, 1] (2F - 1), per reference/method.md.
 */
import type { RewardSpec } from "../schema/reward-spec.js";

/** The rewards a total can sum, in the order every output lists them. */
export const REWARD_COMPONENTS = ["format", "accuracy", "au"] as const;
/** One of {@link REWARD_COMPONENTS}. */
export type RewardComponent = (typeof REWARD_COMPONENTS)[number];

export const COMPONENT_RANGES: Readonly<Record<RewardComponent, readonly [number, number]>> = {
  format: [0, 1],
  accuracy: [0, 1],
  au: [-1, 1],
};

/**
 * Lowest and highest total the spec can give when the listed components are summed with the
 * spec's weights and the spec's clamp. facial-r1 with all three: [-1, 3].
 */
export function totalRange(spec: RewardSpec, components: readonly RewardComponent[] = REWARD_COMPONENTS): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const c of components) {
    const [lo, hi] = COMPONENT_RANGES[c];
    const w = spec.weights[c];
    min += Math.min(w * lo, w * hi);
    max += Math.max(w * lo, w * hi);
  }
  if (spec.clamp) {
    const [low, high] = spec.clamp;
    min = Math.min(Math.max(min, low), high);
    max = Math.min(Math.max(max, low), high);
  }
  return { min, max };
}

/** Sum of the listed components with the spec's weights (in format, accuracy, au order), clamped. */
export function weightedTotal(spec: RewardSpec, scores: Record<RewardComponent, number>, components: readonly RewardComponent[]): number {
  let total = 0;
  for (const c of REWARD_COMPONENTS) if (components.includes(c)) total += scores[c] * spec.weights[c];
  if (spec.clamp) total = Math.min(Math.max(total, spec.clamp[0]), spec.clamp[1]);
  return total;
}
