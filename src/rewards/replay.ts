/**
 * Replays logged rollouts through the TypeScript rewards and explains the learning signal:
 * per-reward means, groups whose rewards have zero variance (every advantage 0: GRPO learns
 * nothing from them), GRPO advantages and the most common format failures.
 *
 * Input, told apart by content (a first non-blank line starting with "{" is JSONL):
 *  - the VLM-R1 rollout debug log (see rollout-log.ts); a group is the completions sharing a
 *    `problem` and `image_path`. The log has no ground-truth AUs, so by default the total is
 *    format + accuracy (the published GRPO script's `--reward_funcs accuracy format`);
 *  - JSONL, one completion per line: `{"prompt_id"?, "problem"? | "question"?, "image"? |
 *    "image_path"?, "completion", "AUs"?, "labels"?, "solution"?}`; a group is the lines sharing
 *    `prompt_id`, else `problem` + `image`. The total is format + accuracy + au by default.
 * A prompt drawn again in a later step has the same key; `numGenerations` cuts each key's
 * completions, in file order, into groups of that size.
 */
import { z } from "zod";
import { readJsonl } from "../data/jsonl.js";
import type { Problem } from "../util/errors.js";
import { FormatFailureTally } from "./format-failures.js";
import { ADVANTAGE_EPSILON, groupStats, RunningSummary, ZERO_VARIANCE_TOLERANCE } from "./group-stats.js";
import { parseRolloutLog, readRawLines } from "./rollout-log.js";
import { REWARD_COMPONENTS, weightedTotal, type RewardComponent } from "./reward-range.js";
import { scoreCompletion } from "./score.js";
import type { RewardSpec } from "../schema/reward-spec.js";

export const ReplayRecordSchema = z
  .looseObject({
    prompt_id: z.union([z.string(), z.number()]).optional().describe("Groups completions of one prompt"),
    problem: z.string().optional().describe("The question; with the image, the group key when prompt_id is absent"),
    question: z.string().optional().describe("Same as problem"),
    image: z.union([z.string(), z.array(z.string())]).optional(),
    image_path: z.union([z.string(), z.array(z.string())]).optional(),
    completion: z.string().describe("The model's response"),
    AUs: z.array(z.string()).optional(),
    labels: z.array(z.string()).optional(),
    solution: z.string().optional(),
  })
  .describe("One completion of `rewards replay` JSONL input");

export type ReplayInputKind = "rollout-log" | "jsonl";

export interface ReplayOptions {
  file: string;
  spec: RewardSpec;
  /** Rewards summed into the total; default: format+accuracy for logs, all three for JSONL. */
  components?: readonly RewardComponent[];
  /** Cut each prompt's completions into groups of this size (the trainer's num_generations). */
  numGenerations?: number;
  /** Include per-group rewards and advantages in the report. */
  perGroup?: boolean;
  onProblem?: (problem: Problem) => void;
  /** Called once per completion scored (progress). */
  onCompletion?: () => void;
}

interface GroupAccumulator {
  key: string;
  file: string;
  line: number;
  totals: number[];
  components: Record<RewardComponent, number[]>;
}

export interface GroupDetail {
  key: string;
  where: string;
  size: number;
  mean: number;
  std: number | null;
  zeroVariance: boolean;
  rewards: number[];
  advantages: number[] | null;
}

export interface ReplayReport {
  file: string;
  kind: ReplayInputKind;
  preset: string;
  components: RewardComponent[];
  completions: number;
  rewards: Record<RewardComponent | "total", ReturnType<RunningSummary["toJSON"]>>;
  groups: {
    count: number;
    ungroupedCompletions: number;
    sizes: { min: number | null; max: number | null; mean: number | null };
    singletons: number;
    zeroVariance: { count: number; share: number | null; values: { total: number; groups: number }[] };
    /** Share of groups in which that reward alone is constant. */
    zeroVarianceByReward: Record<RewardComponent, number | null>;
  };
  advantages: {
    formula: string;
    std: "sample";
    epsilon: number;
    completions: number;
    meanAbs: number | null;
    maxAbs: number | null;
    zeroShare: number | null;
  };
  formatFailures: {
    failed: number;
    share: number | null;
    causes: ReturnType<FormatFailureTally["ranked"]>;
  };
  /** Only for rollout logs: what the trainer itself logged, next to the replay. */
  logged?: {
    accuracyCompletions: number;
    accuracyMean: number | null;
    accuracyMismatches: number;
    formatCompletions: number;
    formatTrueShare: number | null;
    formatMismatches: number;
  };
  /** What a reader must know to read the numbers right. */
  notes: string[];
  /** Blocks or lines that could not be read (each reported with file:line). */
  problems: number;
  warnings: number;
  groupDetails?: GroupDetail[];
}

/** Decides between a rollout log and JSONL by the first non-blank line. */
export async function detectReplayInput(file: string): Promise<ReplayInputKind> {
  for await (const { text } of readRawLines(file)) {
    const trimmed = text.trim();
    if (trimmed === "") continue;
    return trimmed.startsWith("{") ? "jsonl" : "rollout-log";
  }
  return "rollout-log";
}

export async function replayRollouts(options: ReplayOptions): Promise<ReplayReport> {
  const kind = await detectReplayInput(options.file);
  const components = [...(options.components ?? (kind === "rollout-log" ? ["format", "accuracy"] : REWARD_COMPONENTS))] as RewardComponent[];
  const { spec } = options;
  const summaries = {
    format: new RunningSummary(),
    accuracy: new RunningSummary(),
    au: new RunningSummary(),
    total: new RunningSummary(),
  };
  const failures = new FormatFailureTally();
  const groups = new Map<string, GroupAccumulator[]>();
  let ungrouped = 0;
  let problems = 0;
  let warnings = 0;
  let completions = 0;
  const report = (problem: Problem) => {
    if (problem.severity === "warning") warnings++;
    else problems++;
    options.onProblem?.(problem);
  };

  const add = (params: { completion: string; truth: { AUs?: string[]; labels?: string[]; solution?: string }; key: string | null; file: string; line: number }) => {
    const s = scoreCompletion(params.completion, params.truth, spec);
    const total = components.length === REWARD_COMPONENTS.length ? s.total : weightedTotal(spec, s, components);
    completions++;
    options.onCompletion?.();
    summaries.format.add(s.format);
    summaries.accuracy.add(s.accuracy);
    summaries.au.add(s.au);
    summaries.total.add(total);
    if (s.format === 0) failures.add(params.completion, `${params.file}:${params.line}`);
    if (params.key === null) {
      ungrouped++;
      return s;
    }
    let chain = groups.get(params.key);
    if (!chain) groups.set(params.key, (chain = []));
    let group = chain[chain.length - 1];
    if (!group || (options.numGenerations !== undefined && group.totals.length >= options.numGenerations)) {
      group = { key: params.key, file: params.file, line: params.line, totals: [], components: { format: [], accuracy: [], au: [] } };
      chain.push(group);
    }
    group.totals.push(total);
    group.components.format.push(s.format);
    group.components.accuracy.push(s.accuracy);
    group.components.au.push(s.au);
    return s;
  };

  let logged: ReplayReport["logged"];
  if (kind === "rollout-log") {
    const accuracyLogged = new RunningSummary();
    let accuracyMismatches = 0;
    let formatCompletions = 0;
    let formatTrue = 0;
    let formatMismatches = 0;
    let warnedUngroupable = false;
    for await (const event of parseRolloutLog(options.file)) {
      if (event.kind === "problem") {
        report(event.problem);
      } else if (event.kind === "accuracy") {
        const key = event.problem === null ? null : `${event.problem}\u0000${event.imagePath ?? ""}`;
        if (key === null && !warnedUngroupable) {
          warnedUngroupable = true;
          report({ file: event.file, line: event.line, severity: "warning", message: "accuracy blocks without `problem:` (an older VLM-R1): their completions cannot be grouped by prompt" });
        }
        const s = add({ completion: event.content, truth: { solution: event.solution }, key, file: event.file, line: event.line });
        if (event.loggedReward !== null) {
          accuracyLogged.add(event.loggedReward);
          if (Math.abs(event.loggedReward - s.accuracy) > 1e-9) accuracyMismatches++;
        }
      } else {
        // Format blocks repeat completions already counted from the accuracy blocks; they only
        // cross-check the format reward.
        formatCompletions++;
        if (event.hasFormat) formatTrue++;
        const s = scoreCompletion(event.content, {}, spec);
        if ((s.format === 1) !== event.hasFormat) formatMismatches++;
      }
    }
    const acc = accuracyLogged.toJSON();
    logged = {
      accuracyCompletions: acc.count,
      accuracyMean: acc.mean,
      accuracyMismatches,
      formatCompletions,
      formatTrueShare: formatCompletions > 0 ? formatTrue / formatCompletions : null,
      formatMismatches,
    };
  } else {
    for await (const item of readJsonl(options.file)) {
      if (item.kind === "unreadable") {
        report(item.problem);
        continue;
      }
      const parsed = ReplayRecordSchema.safeParse(item.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        report({ file: item.file, line: item.line, field: issue.path.join(".") || undefined, message: issue.message });
        continue;
      }
      const r = parsed.data;
      const problemText = r.problem ?? r.question;
      const image = r.image ?? r.image_path;
      const key =
        r.prompt_id !== undefined
          ? `id\u0000${String(r.prompt_id)}`
          : problemText !== undefined || image !== undefined
            ? `p\u0000${problemText ?? ""}\u0000${JSON.stringify(image ?? null)}`
            : null;
      const truth = { ...(r.AUs ? { AUs: r.AUs } : {}), ...(r.labels ? { labels: r.labels } : {}), ...(r.solution !== undefined ? { solution: r.solution } : {}) };
      add({ completion: r.completion, truth, key, file: item.file, line: item.line });
    }
  }

  // Group statistics.
  let groupCount = 0;
  let singletons = 0;
  let zeroVariance = 0;
  let minSize = Infinity;
  let maxSize = 0;
  let sizeSum = 0;
  let advantageCount = 0;
  let advantageAbsSum = 0;
  let advantageMaxAbs = 0;
  let advantageZeros = 0;
  const constantValues = new Map<number, number>();
  const componentConstant: Record<RewardComponent, number> = { format: 0, accuracy: 0, au: 0 };
  const details: GroupDetail[] = [];
  for (const chain of groups.values()) {
    for (const g of chain) {
      groupCount++;
      const stats = groupStats(g.totals);
      minSize = Math.min(minSize, stats.size);
      maxSize = Math.max(maxSize, stats.size);
      sizeSum += stats.size;
      if (stats.size === 1) singletons++;
      if (stats.zeroVariance && stats.size > 1) {
        zeroVariance++;
        const value = roundForKey(g.totals[0]);
        constantValues.set(value, (constantValues.get(value) ?? 0) + 1);
      }
      for (const c of REWARD_COMPONENTS) if (isConstant(g.components[c])) componentConstant[c]++;
      if (stats.advantages) {
        for (const a of stats.advantages) {
          advantageCount++;
          const abs = Math.abs(a);
          advantageAbsSum += abs;
          if (abs > advantageMaxAbs) advantageMaxAbs = abs;
          if (abs === 0) advantageZeros++;
        }
      }
      if (options.perGroup) {
        details.push({ key: describeKey(g.key), where: `${g.file}:${g.line}`, size: stats.size, mean: stats.mean, std: stats.std, zeroVariance: stats.zeroVariance, rewards: g.totals, advantages: stats.advantages });
      }
    }
  }
  const multi = groupCount - singletons;
  const notes: string[] = [];
  if (kind === "rollout-log") notes.push("the rollout log carries no ground-truth AUs: the AU reward is that of an empty AU set (0) and is left out of the total unless --rewards names it");
  if (singletons > 0) notes.push(`${singletons} group(s) of one completion: no advantage (torch's sample std of one value is NaN); check --num-generations and the grouping key`);
  const share = (n: number, of: number) => (of > 0 ? n / of : null);

  return {
    file: options.file,
    kind,
    preset: spec.preset,
    components,
    completions,
    rewards: {
      format: summaries.format.toJSON(),
      accuracy: summaries.accuracy.toJSON(),
      au: summaries.au.toJSON(),
      total: summaries.total.toJSON(),
    },
    groups: {
      count: groupCount,
      ungroupedCompletions: ungrouped,
      sizes: groupCount > 0 ? { min: minSize, max: maxSize, mean: sizeSum / groupCount } : { min: null, max: null, mean: null },
      singletons,
      zeroVariance: {
        count: zeroVariance,
        share: share(zeroVariance, multi),
        values: [...constantValues.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5).map(([total, n]) => ({ total, groups: n })),
      },
      zeroVarianceByReward: {
        format: share(componentConstant.format, groupCount),
        accuracy: share(componentConstant.accuracy, groupCount),
        au: share(componentConstant.au, groupCount),
      },
    },
    advantages: {
      formula: "(r - mean) / (std + 1e-4) per group, std = sample standard deviation (N - 1), as torch.std in trl",
      std: "sample",
      epsilon: ADVANTAGE_EPSILON,
      completions: advantageCount,
      meanAbs: advantageCount > 0 ? advantageAbsSum / advantageCount : null,
      maxAbs: advantageCount > 0 ? advantageMaxAbs : null,
      zeroShare: share(advantageZeros, advantageCount),
    },
    formatFailures: { failed: failures.failed, share: share(failures.failed, completions), causes: failures.ranked() },
    ...(logged ? { logged } : {}),
    notes,
    problems,
    warnings,
    ...(options.perGroup ? { groupDetails: details } : {}),
  };
}

function isConstant(values: number[]): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length > 0 && max - min <= ZERO_VARIANCE_TOLERANCE;
}

function roundForKey(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

function describeKey(key: string): string {
  const parts = key.split("\u0000");
  if (parts[0] === "id") return parts[1];
  if (parts[0] === "p") return `${truncate(parts[1])} | ${parts[2]}`;
  return `${truncate(parts[0])} | ${parts[1]}`;
}

function truncate(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}



/** The report as a few lines of text for a terminal (stderr). */
export function formatReplayReport(report: ReplayReport): string {
  const out: string[] = [];
  const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? "-" : v.toFixed(digits));
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `${(v * 100).toFixed(1)}%`);
  const what = report.kind === "rollout-log" ? "rollout log" : "JSONL";
  out.push(`${what} ${report.file}: ${report.completions} completion(s), ${report.groups.count} group(s), preset ${report.preset}, total = ${report.components.join(" + ")}`);
  out.push("");
  const rows: string[][] = [["reward", "mean", "std", "min", "max", "constant in groups"]];
  for (const c of [...REWARD_COMPONENTS, "total"] as const) {
    const s = report.rewards[c];
    const constant = c === "total" ? report.groups.zeroVariance.share : report.groups.zeroVarianceByReward[c];
    const note = c === "au" && report.kind === "rollout-log" ? " (the log has no AUs)" : "";
    rows.push([c, num(s.mean), num(s.std), num(s.min), num(s.max), `${pct(constant)}${note}`]);
  }
  out.push(...alignRows(rows));
  out.push("");
  const g = report.groups;
  if (g.count > 0) {
    out.push(`groups: ${g.count} (sizes ${g.sizes.min}..${g.sizes.max}, mean ${num(g.sizes.mean, 1)})${g.singletons > 0 ? `, ${g.singletons} of one completion (no advantage)` : ""}`);
    const values = g.zeroVariance.values.map((v) => `${v.groups} at ${num(v.total, 3)}`).join(", ");
    out.push(`zero-variance groups: ${g.zeroVariance.count} (${pct(g.zeroVariance.share)}) -> no GRPO learning signal${values ? ` [${values}]` : ""}`);
    out.push(`advantages: ${report.advantages.formula}; mean |A| ${num(report.advantages.meanAbs)}, max |A| ${num(report.advantages.maxAbs)}, zero ${pct(report.advantages.zeroShare)}`);
  }
  if (g.ungroupedCompletions > 0) out.push(`ungrouped completions (no prompt key): ${g.ungroupedCompletions}`);
  const f = report.formatFailures;
  out.push("");
  out.push(`format failures: ${f.failed} of ${report.completions} completion(s) (${pct(f.share)})`);
  if (f.causes.length > 0) {
    out.push(
      ...alignRows([
        ["cause", "count", "share", "meaning"],
        ...f.causes.slice(0, 8).map((c) => [c.kind, String(c.count), pct(c.share), c.meaning]),
      ]).map((l) => `  ${l}`),
    );
    const top = f.causes[0];
    out.push(`  e.g. ${top.example.where ?? ""} "${top.example.text}"`);
  }
  if (report.logged) {
    const l = report.logged;
    out.push("");
    out.push(
      `logged by the trainer: accuracy mean ${num(l.accuracyMean)} over ${l.accuracyCompletions} (differs from the replay for ${l.accuracyMismatches}); ` +
        `format blocks ${l.formatCompletions}, has-format ${pct(l.formatTrueShare)} (differs for ${l.formatMismatches})`,
    );
    if (l.accuracyMismatches > 0 || l.formatMismatches > 0) {
      out.push("  differences mean the trainer scored with other rewards than this preset (another preset, the fork's record weights, a modified reward)");
    }
  }
  if (report.notes.length > 0) out.push("", ...report.notes.map((note) => `note: ${note}`));
  if (report.problems > 0 || report.warnings > 0) out.push(`\nproblems: ${report.problems}, warnings: ${report.warnings} (listed above with file:line)`);
  return out.join("\n");
}

function alignRows(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "));
}
