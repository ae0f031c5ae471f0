import { z } from "zod";
import { describeQuickstart, runQuickstart as runSteps, type QuickstartSummary } from "../quickstart.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export { describeQuickstart, type QuickstartSummary };

/** Options of {@link runQuickstart}. */
export interface QuickstartOptions extends RunOptions, ProblemOptions {
  /** Output folder: config.json, shards/, run-bundle/. */
  out: string;
}

const QuickstartOptions = z.strictObject({ out: z.string().min(1), ...RUN_FIELDS, ...PROBLEM_FIELDS });
sameShape<z.input<typeof QuickstartOptions>, QuickstartOptions>(true);

/**
 * The main job on the bundled synthetic sample dataset (no faces), end to end: validate it
 * (records and images), write the trainer's frequency map, shard the training file, plan a GRPO
 * run bundle for the Facial-R1 fork (preflight included). `summary.ok` is false when sharding
 * rejected a training record or preflight refused the plan.
 */
export async function runQuickstart(options: QuickstartOptions): Promise<QuickstartSummary> {
  const o = parseOptions("runQuickstart", QuickstartOptions, options);
  return runWith(o, () => runSteps({ out: o.out, onProblem: o.onProblem }));
}
