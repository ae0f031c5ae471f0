import { numpyMean } from "./mean.js";

/** Confusion counts of one binary (record, AU) classification. */
export interface BinaryCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface AuScore extends BinaryCounts {
  f1: number;
  precision: number;
  recall: number;
  accuracy: number;
  /** Records where the AU is in the ground truth. */
  support: number;
}

export interface AuMetrics {
  /** Mean per-AU F1 over the AUs with at least one positive; null when there is none. */
  macro_f1: number | null;
  /** F1 over all (record, AU) cells of the scored AUs. */
  micro_f1: number | null;
  /** The AUs scored, in the order their F1s were averaged. */
  aus: string[];
  per_au: Record<string, AuScore>;
}

/** F1 as sklearn computes it from counts: 2TP / (2TP + FP + FN), zero when undefined. */
export function f1FromCounts(tp: number, fp: number, fn: number): number {
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * Accumulates per-AU confusion counts record by record, in constant memory (one entry
 * per distinct AU token). The set of AUs that is scored may be chosen at the end,
 * because counts for tokens outside it are simply never read.
 *
 * Each record names the AUs it is scored on (`scope`), or none to be scored on every
 * AU (then true negatives are implied by the record count).
 */
export class AuAccumulator {
  private readonly counts = new Map<string, { tp: number; fp: number; fn: number; records: number }>();
  private unscopedRecords = 0;

  add(truth: ReadonlySet<string>, predicted: ReadonlySet<string>, scope?: readonly string[]): void {
    if (scope === undefined) {
      this.unscopedRecords++;
      for (const au of truth) this.entry(au)[predicted.has(au) ? "tp" : "fn"]++;
      for (const au of predicted) if (!truth.has(au)) this.entry(au).fp++;
      return;
    }
    for (const au of scope) {
      const entry = this.entry(au);
      entry.records++;
      const inTruth = truth.has(au);
      const inPrediction = predicted.has(au);
      if (inTruth && inPrediction) entry.tp++;
      else if (inTruth) entry.fn++;
      else if (inPrediction) entry.fp++;
    }
  }

  private entry(au: string): { tp: number; fp: number; fn: number; records: number } {
    let entry = this.counts.get(au);
    if (!entry) {
      entry = { tp: 0, fp: 0, fn: 0, records: 0 };
      this.counts.set(au, entry);
    }
    return entry;
  }

  /** AUs with at least one positive in the ground truth. */
  positiveAus(): string[] {
    return [...this.counts].filter(([, c]) => c.tp + c.fn > 0).map(([au]) => au);
  }

  /** AUs some record was scored on. */
  scopedAus(): string[] {
    return [...this.counts].filter(([, c]) => c.records > 0).map(([au]) => au);
  }

  countsOf(au: string): BinaryCounts {
    const c = this.counts.get(au) ?? { tp: 0, fp: 0, fn: 0, records: 0 };
    const records = this.unscopedRecords + c.records;
    return { tp: c.tp, fp: c.fp, fn: c.fn, tn: records - c.tp - c.fp - c.fn };
  }

  /**
   * Metrics over `aus`, averaged in that order. The macro mean leaves out AUs with no
   * positive in the ground truth (their F1 is reported as 0 but is undefined).
   */
  metrics(aus: readonly string[]): AuMetrics | null {
    if (aus.length === 0) return null;
    const perAu: Record<string, AuScore> = {};
    const f1s: number[] = [];
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const au of aus) {
      const c = this.countsOf(au);
      const support = c.tp + c.fn;
      const score: AuScore = {
        f1: f1FromCounts(c.tp, c.fp, c.fn),
        precision: ratio(c.tp, c.tp + c.fp),
        recall: ratio(c.tp, support),
        accuracy: ratio(c.tp + c.tn, c.tp + c.fp + c.fn + c.tn),
        support,
        ...c,
      };
      perAu[au] = score;
      if (support > 0) f1s.push(score.f1);
      tp += c.tp;
      fp += c.fp;
      fn += c.fn;
    }
    return {
      macro_f1: numpyMean(f1s) ?? null,
      micro_f1: f1FromCounts(tp, fp, fn),
      aus: [...aus],
      per_au: perAu,
    };
  }
}

/** Numeric AU order (AU2 before AU10); tokens that are not `AU<digits>` after, by code units. */
export function compareAuNames(a: string, b: string): number {
  const na = /^AU(\d+)$/.exec(a);
  const nb = /^AU(\d+)$/.exec(b);
  if (na && nb) return Number(na[1]) - Number(nb[1]) || (a < b ? -1 : a > b ? 1 : 0);
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's `sorted()` order for strings (code points; equal to UTF-16 order for these tokens). */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
