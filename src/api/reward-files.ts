import { z } from "zod";
import { REWARD_COMPONENTS, totalRange, type RewardComponent } from "../rewards/reward-range.js";
import { formatReplayReport, replayRollouts, type GroupDetail, type ReplayInputKind, type ReplayReport } from "../rewards/replay.js";
import { scoreFile, scoredLineJson, summarizeScoring, type ScoredLine, type ScoreFileCounts } from "../rewards/score-file.js";
import { describeScoreMapping as describeRange } from "../rewards/server.js";
import { loadRewardSpec as loadSpec } from "../rewards/spec-file.js";
import type { RewardSpec } from "../schema/reward-spec.js";
import { Progress } from "../util/progress.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";
import { rewardSpecOf, SPEC_FIELDS, type RewardSpecSource } from "./reward-plugin.js";

/**
 * The rewards over files: score a JSONL of completions, replay a trainer's rollouts, and the
 * lines that describe both for people.
 */
export { formatReplayReport, REWARD_COMPONENTS, scoredLineJson as formatScoredLine, summarizeScoring as describeScoring };
export type { GroupDetail, ReplayInputKind, ReplayReport, RewardComponent, ScoredLine, ScoreFileCounts };

/** Options of {@link loadRewardSpec}. */
export interface LoadRewardSpecOptions {
  /** A reward spec file, or a run config whose `rewards:` section to use (YAML or JSON). */
  configFile?: string;
  /**
   * A preset name (facial-r1 or normalized): the spec when there is no `configFile`, else the
   * preset that overrides the file's. Another name is an InvalidInputError that lists the presets.
   */
  preset?: string;
}

const LoadRewardSpecOptions = z.strictObject({ configFile: z.string().optional(), preset: z.string().optional() });
sameShape<z.input<typeof LoadRewardSpecOptions>, LoadRewardSpecOptions>(true);

/**
 * The reward spec of a file (a reward spec, or the `rewards:` section of a run config), else of
 * a preset (default facial-r1); every problem of the file is an InvalidInputError naming its place.
 */
export async function loadRewardSpec(options: LoadRewardSpecOptions = {}): Promise<RewardSpec> {
  const o = parseOptions("loadRewardSpec", LoadRewardSpecOptions, options);
  return loadSpec({ configFile: o.configFile, preset: o.preset });
}

/** How the reward server maps a spec's `total` to its `score` in [0, 1], as text: "(total + 1) / 4, clamped to [0, 1]". */
export function describeScoreMapping(spec: RewardSpec): string {
  return describeRange(totalRange(spec));
}

/** Options of {@link scoreRewardsFile}. */
export interface ScoreRewardsFileOptions extends RewardSpecSource, RunOptions, ProblemOptions {
  /** JSONL with `{"completion", "AUs", "labels"}` per line (other keys ignored; `solution` stands in for missing ones). */
  file: string;
  /** Receives the scores of each chunk read, in input order: one per non-blank line (awaited, so output can apply backpressure). */
  onScores?: (lines: ScoredLine[]) => void | Promise<void>;
}

const ScoreRewardsFileOptions = z.strictObject({
  file: z.string().min(1),
  onScores: z.custom<(lines: ScoredLine[]) => void | Promise<void>>((v) => typeof v === "function", "expected a function").optional(),
  ...SPEC_FIELDS,
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof ScoreRewardsFileOptions>, ScoreRewardsFileOptions>(true);

/**
 * Scores a JSONL file of completions in constant memory, exactly as {@link scoreRewards} (and
 * every emitted plugin) would. A line that cannot be scored gets neutral scores with an
 * `error` and is reported; the counts say how many lines were scored, invalid or scored with
 * fallback ground truth, with the sums behind the means.
 */
export async function scoreRewardsFile(options: ScoreRewardsFileOptions): Promise<ScoreFileCounts> {
  const o = parseOptions("scoreRewardsFile", ScoreRewardsFileOptions, options);
  return withSpec(o, { label: "rewards score", unit: "lines" }, (spec, progress) =>
    scoreFile({
      file: o.file,
      spec,
      onScores: async (lines) => {
        progress.tick(lines.length);
        await o.onScores?.(lines);
      },
      onProblem: o.onProblem,
    }),
  );
}

/** Options of {@link replayRewards}. */
export interface ReplayRewardsOptions extends RewardSpecSource, RunOptions, ProblemOptions {
  /** A VLM-R1 rollout log (DEBUG_MODE=true, LOG_PATH), or JSONL of `{prompt_id | problem + image, completion, AUs, labels}`. */
  file: string;
  /** Rewards summed into the total (default: format and accuracy for a rollout log, all for JSONL). */
  components?: RewardComponent[];
  /** Cut each prompt's completions into groups of this size (the trainer's num_generations). */
  numGenerations?: number;
  /** Include every group's rewards and advantages in the report. */
  perGroup?: boolean;
}

const ReplayRewardsOptions = z.strictObject({
  file: z.string().min(1),
  components: z.array(z.enum(REWARD_COMPONENTS)).min(1).optional(),
  numGenerations: z.number().int().positive().optional(),
  perGroup: z.boolean().optional(),
  ...SPEC_FIELDS,
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
});
sameShape<z.input<typeof ReplayRewardsOptions>, ReplayRewardsOptions>(true);

/**
 * Rescores a trainer's rollouts with the TypeScript rewards: reward means and spreads, groups
 * whose rewards do not vary (no GRPO signal), the advantages, why formats failed and, for a
 * rollout log, how the rescored rewards compare with what the trainer logged.
 */
export async function replayRewards(options: ReplayRewardsOptions): Promise<ReplayReport> {
  const o = parseOptions("replayRewards", ReplayRewardsOptions, options);
  return withSpec(o, { label: "replay", unit: "completions" }, (spec, progress) =>
    replayRollouts({
      file: o.file,
      spec,
      components: o.components,
      numGenerations: o.numGenerations,
      perGroup: o.perGroup,
      onCompletion: () => progress.tick(),
      onProblem: o.onProblem,
    }),
  );
}

/** Runs `work` in the caller's run context with the spec the options name and a progress count it ticks. */
function withSpec<T>(o: Parameters<typeof rewardSpecOf>[0] & RunOptions, count: { label: string; unit: string }, work: (spec: RewardSpec, progress: Progress) => Promise<T>): Promise<T> {
  return runWith(o, async () => {
    const spec = await rewardSpecOf(o);
    const progress = new Progress(count);
    const result = await work(spec, progress);
    progress.finish();
    return result;
  });
}
