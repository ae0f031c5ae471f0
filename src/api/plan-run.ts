import { z } from "zod";
import { planRun as writePlan, type PlanResult } from "../trainer/bundle/plan.js";
import { loadRunConfig } from "../trainer/config-file.js";
import { preflight, type PreflightReport } from "../trainer/preflight.js";
import { planLines, reportJson, summaryLines, type PreflightReportJson } from "../trainer/report.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { PlanResult, PreflightReport, PreflightReportJson };

/** Options of {@link preflightRun}. */
export interface PreflightOptions extends RunOptions, ProblemOptions {
  /** The run config YAML. */
  config: string;
  /** Open every image (sizes give image tokens); default true. */
  checkImages?: boolean;
  /** facial-r1 target, GRPO: leave out records with `"AUs": []`, as plan --drop-empty-aus does. */
  dropEmptyAus?: boolean;
}

const PreflightOptions = z.strictObject({
  config: z.string().min(1),
  checkImages: z.boolean().default(true),
  dropEmptyAus: z.boolean().optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof PreflightOptions>, PreflightOptions>(true);

/**
 * Everything that can be known before a GPU is allocated: the config, every record and image,
 * prompt lengths in the model's tokens, each trainer's contracts, a memory estimate, the run's
 * arithmetic. `report.ok` is false when anything would fail on the cluster.
 */
export async function preflightRun(options: PreflightOptions): Promise<PreflightReport> {
  const o = parseOptions("preflightRun", PreflightOptions, options);
  return runWith(o, async () => {
    const loaded = await loadRunConfig(o.config);
    if (o.dropEmptyAus) loaded.config.trainer.drop_empty_aus = true;
    return preflight({ loaded, checkImages: o.checkImages, onProblem: o.onProblem });
  });
}

/** Options of {@link planRun}. */
export interface PlanRunOptions extends PreflightOptions {
  /** The bundle folder (an earlier bundle there is replaced in one rename). */
  out: string;
}

const PlanRunOptions = PreflightOptions.extend({ out: z.string().min(1) });
sameShape<z.input<typeof PlanRunOptions>, PlanRunOptions>(true);

/**
 * Runs preflight and, only when it passes, writes a self-contained run bundle: scripts,
 * DeepSpeed / accelerate configs, the reward plugin, shards in the trainer's format,
 * manifest.json. `result.written` is false (and nothing is written) when preflight failed.
 */
export async function planRun(options: PlanRunOptions): Promise<PlanResult> {
  const o = parseOptions("planRun", PlanRunOptions, options);
  return runWith(o, () => writePlan({ config: o.config, out: o.out, checkImages: o.checkImages, dropEmptyAus: o.dropEmptyAus, onProblem: o.onProblem }));
}

/**
 * The preflight summary for people, one line per data file, then tokens, the run's arithmetic,
 * the memory verdict and the outcome (the findings themselves go to `onProblem` as they are found).
 */
export function describePreflight(report: PreflightReport): string {
  return summaryLines(report).join("\n");
}

/** What {@link planRun} did, for people: the preflight summary, then each data file written and the bundle, or why nothing was written. */
export function describePlan(result: PlanResult): string {
  return planLines(result).join("\n");
}

/** A preflight report as plain JSON (what `--json` prints): the report without its internal per-file selections. */
export function preflightReportJson(report: PreflightReport): PreflightReportJson {
  return reportJson(report);
}
