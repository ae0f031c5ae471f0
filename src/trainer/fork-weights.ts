/**
 * The Facial-R1 fork's per-record weights, computed exactly as its trainer does:
 * AU weight = 1 / (f / Σf + 1e-6), normalised to sum 1 (f = the AU's fraction in the file's
 * config.json entry, in the file's key order); a record's raw weight is the sum over its AUs;
 * raw weights are min-max normalised within the file (a constant file divides by 1), and
 * multiplied by 10 when the record has AUs.
 */
const EPSILON = 1e-6;
const AU_RECORD_FACTOR = 10;

export function auWeightsFromFrequencies(frequencies: Record<string, number>): Map<string, number> {
  const entries = Object.entries(frequencies);
  let total = 0;
  for (const [, f] of entries) total += f;
  const inverse = new Map<string, number>();
  let sum = 0;
  for (const [au, f] of entries) {
    const w = 1 / (f / total + EPSILON);
    inverse.set(au, w);
    sum += w;
  }
  for (const [au, w] of inverse) inverse.set(au, w / sum);
  return inverse;
}

/** Sum of the record's AU weights, in record order; undefined names the AU the map lacks. */
export function rawRecordWeight(aus: readonly string[], auWeights: ReadonlyMap<string, number>): { weight: number } | { missing: string } {
  let weight = 0;
  for (const au of aus) {
    const w = auWeights.get(au);
    if (w === undefined) return { missing: au };
    weight += w;
  }
  return { weight };
}

export function normalizedWeight(raw: number, min: number, max: number, hasAus: boolean): number {
  const denominator = max > min ? max - min : 1;
  const normalized = (raw - min) / denominator;
  return hasAus ? normalized * AU_RECORD_FACTOR : normalized;
}
