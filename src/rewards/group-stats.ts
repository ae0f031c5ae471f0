/**
 * GRPO group statistics, pinned to what the trainers compute.
 *
 * trl's GRPOTrainer (0.17, the version VLM-R1 pins) and VLM-R1's own trainer compute, per group
 * of `num_generations` completions of one prompt:
 *   mean = rewards.view(-1, G).mean(dim=1)
 *   std  = rewards.view(-1, G).std(dim=1)      # torch default: Bessel-corrected (divides by G - 1)
 *   advantage = (reward - mean) / (std + 1e-4)
 * A group of one completion has an undefined sample std (torch gives NaN); it is reported as
 * having no advantage rather than as NaN.
 */
export const ADVANTAGE_EPSILON = 1e-4;

/** Rewards closer than this are treated as equal when deciding that a group has zero variance. */
export const ZERO_VARIANCE_TOLERANCE = 1e-9;

export interface GroupStats {
  size: number;
  mean: number;
  /** Bessel-corrected sample standard deviation (torch `std()`), null for a single completion. */
  std: number | null;
  /** True when all rewards in the group are equal: every advantage is 0, no learning signal. */
  zeroVariance: boolean;
  /** (r - mean) / (std + 1e-4) per completion; null for a group of one. */
  advantages: number[] | null;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation with Bessel's correction, like torch.Tensor.std() by default. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

export function groupStats(rewards: readonly number[]): GroupStats {
  const m = mean(rewards);
  const std = sampleStd(rewards);
  let min = Infinity;
  let max = -Infinity;
  for (const r of rewards) {
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const zeroVariance = rewards.length > 0 && max - min <= ZERO_VARIANCE_TOLERANCE;
  const advantages = std === null ? null : rewards.map((r) => (zeroVariance ? 0 : (r - m) / (std + ADVANTAGE_EPSILON)));
  return { size: rewards.length, mean: m, std, zeroVariance, advantages };
}

/** Running mean / min / max of one reward component, in constant memory. */
export class RunningSummary {
  count = 0;
  private sum = 0;
  private sumSquares = 0;
  min = Infinity;
  max = -Infinity;

  add(value: number): void {
    this.count++;
    this.sum += value;
    this.sumSquares += value * value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  toJSON(): { count: number; mean: number | null; std: number | null; min: number | null; max: number | null } {
    if (this.count === 0) return { count: 0, mean: null, std: null, min: null, max: null };
    const m = this.sum / this.count;
    const variance = Math.max(0, this.sumSquares / this.count - m * m);
    return { count: this.count, mean: m, std: Math.sqrt(variance), min: this.min, max: this.max };
  }
}
