import { z } from "zod";
import { runLoop as runRounds, type LoopSummary } from "../loop/run.js";
import { contextSignal } from "../util/run-context.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

export type { LoopSummary };

/** Options of {@link runLoop}. */
export interface RunLoopOptions extends RunOptions, ProblemOptions {
  /** The loop config (LOOP.yaml; schemas/loop.schema.json). */
  config: string;
  /** Output folder instead of the config's. */
  out?: string;
  /** Launch a round whose training run failed again, instead of stopping. */
  retryFailed?: boolean;
  /** One line per step as the loop goes (what the CLI prints). */
  onMessage?: (line: string) => void;
}

const RunLoopOptions = z.strictObject({
  config: z.string().min(1),
  out: z.string().min(1).optional(),
  retryFailed: z.boolean().optional(),
  onMessage: z.custom<(line: string) => void>((v) => typeof v === "function").optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof RunLoopOptions>, RunLoopOptions>(true);

/**
 * The paper's stage-3 loop: per round plan, launch, wait, pull, serve, evaluate, synthesize,
 * merge, push and report, until the stopping rule holds. Resumable after any kill: no repeated
 * training job, API call or record.
 */
export async function runLoop(options: RunLoopOptions): Promise<LoopSummary> {
  const o = parseOptions("runLoop", RunLoopOptions, options);
  return runWith(o, () => runRounds({ config: o.config, out: o.out, retryFailed: o.retryFailed, say: o.onMessage, onProblem: o.onProblem, signal: contextSignal() }));
}
