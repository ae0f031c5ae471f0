import type { SourceName } from "../../plugins/trainer-sources.js";
import type { MetricRow } from "../trainer-state.js";
import type { DatasetEntry, RunConfig, Stage, VllmTarget } from "../../schema/run-config.js";
import type { Sample } from "../../schema/sample.js";
import type { Problem } from "../../util/errors.js";
import type { WrittenFile } from "../../util/hashed-writer.js";
import type { ScriptContext } from "../script-prelude.js";
import type { CheckpointLayout } from "./checkpoints.js";

/**
 * A trainer that runs a whole facial-r1 run from a bundle in its own terms: its data format,
 * its config and launch line, its batch rules and flag names, its logs. VLM-R1 and the fork
 * are planned by the code around `plan.ts` directly; every other trainer is one of these,
 * so the planner, preflight, launch and pull stay the same for all of them.
 */
export interface TrainerTargetSpec {
  name: VllmTarget;
  /** What the emitted files were checked against (keys of TRAINER_SOURCES). */
  sources: readonly SourceName[];
  /** The stages this target can run. */
  stages: readonly Stage[];
  /** The names `training.extra_args` may use, with the planner's own and the ignored ones. */
  vocabulary: KeyVocabulary;
  /** The bundle file of one training file, e.g. `train.parquet` (inside `data/`). */
  shardName(entry: DatasetEntry): string;
  /** One FEA record as the trainer reads it, with the same prompt text as the VLM-R1 path. */
  record(config: RunConfig, entry: DatasetEntry, record: Sample): Record<string, unknown>;
  /**
   * When the trainer does not read JSONL: turns the finished shard (one `record` per line)
   * into its format at `out`. Absent: the JSONL shard is the trainer's file.
   */
  encodeShard?(jsonl: string, out: string): Promise<WrittenFile>;
  /** The trainer's own batch arithmetic and constraints, beyond what every target shares. */
  configFindings(config: RunConfig, report: ReportFinding): void;
  /** Config files and scripts of the bundle (paths relative to it); one of them is `trainScript`. */
  bundleFiles(context: TargetBundleContext): BundleFile[];
  /** The bundle-relative path of the script `launch` runs on every node. */
  trainScript: string;
  /**
   * Step metrics of a pulled run when the trainer writes no trainer_state.json: from the job
   * log (console loggers) and the files pulled from the output folder.
   */
  metrics?(pulled: PulledRun): Promise<MetricRow[]>;
  /** Where its checkpoints are saved in the output folder; absent: HF Trainer's `checkpoint-N`. */
  checkpoints?: readonly CheckpointLayout[];
}

/** The keys a trainer's parser or config accepts, read from its source at a named commit. */
export interface KeyVocabulary {
  /** How the keys are passed, for messages: e.g. "GRPOConfig field", "verl config key". */
  kind: string;
  accepted: ReadonlySet<string>;
  /** Accepted but without effect in this setup: refused, with the reason. */
  ignored: Readonly<Record<string, string>>;
  /** Set by the planner from the run config: the setting to change instead. */
  owned: Readonly<Record<string, string>>;
  /** Whether keys are dotted paths (verl, EasyR1 overrides) rather than flag names. */
  dotted?: boolean;
}

/** Reports a finding at a setting of the run config (path as in `loaded.locate`). */
export type ReportFinding = (path: PropertyKey[], finding: Pick<Problem, "message" | "severity" | "fix">) => void;

export interface BundleFile {
  path: string;
  content: string;
  mode?: number;
}

export interface TargetBundleContext {
  config: RunConfig;
  script: ScriptContext;
  /** The training shards as written: bundle-relative path and record count, in config order. */
  shards: readonly { entry: DatasetEntry; file: string; records: number }[];
  /** The reward plugin's files, relative to the bundle (under plugin/). */
  pluginFiles: readonly string[];
  /** The test files copied into the bundle (eval/...). */
  evalFiles: readonly string[];
  /** The longest prompt of the training files in the model's tokens, image tokens included (preflight's count). */
  longestPrompt: number;
}

export interface PulledRun {
  /** The job's console output, when it was pulled. */
  jobLog?: string;
  /** Local folder holding the top-level files of the run's output folder. */
  outputDir: string;
}
