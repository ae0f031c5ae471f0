import { InvalidInputError, type Problem } from "../util/errors.js";

/** Flags of `data shard` and `data split` read into the options of shardDataset / splitDataset. */

/** Checks a dotted field path given on the command line. */
export function parseFieldPath(option: string, path: string): string {
  if (!/^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/.test(path)) {
    throw new InvalidInputError(`${option} must be a field name or dotted path such as meta_info.subject, got "${path}"`);
  }
  return path;
}

/** Parses a non-negative integer seed (default 42, the data seed of the published scripts). */
export function parseSeed(value: string | undefined): number {
  if (value === undefined) return 42;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidInputError(`--seed must be a non-negative integer, got "${value}"`);
  return n;
}

/** `--ratios`: 2 or 3 fractions (train,test or train,val,test) adding up to 1. */
export function parseRatios(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  const ratios = parts.map(Number);
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "") || ratios.some((r) => !Number.isFinite(r) || r < 0 || r > 1)) {
    throw new InvalidInputError(`--ratios takes 2 or 3 fractions in [0, 1] (train,test or train,val,test), got "${text}"`);
  }
  const sum = ratios.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new InvalidInputError(`--ratios must add up to 1, got ${text} (sum ${Math.round(sum * 10_000) / 10_000})`);
  if (ratios[0] === 0) throw new InvalidInputError("--ratios: the train fraction must be above 0");
  return ratios;
}

/** Reports the first `limit` problems through `sink`, then only counts the rest. */
export function limitedProblems(limit: number, sink: (problem: Problem) => void): { report: (problem: Problem) => void; hidden: () => number } {
  let seen = 0;
  return {
    report: (problem) => {
      if (seen++ < limit) sink(problem);
    },
    hidden: () => Math.max(0, seen - limit),
  };
}
