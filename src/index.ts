/**
 * facial-r1: the control plane of Facial-R1 (AAAI 2026) as a TypeScript SDK. Every function
 * takes one options object (checked up front; a wrong option is an InvalidInputError), accepts
 * `signal` to cancel and `onProgress` / `onProblem` callbacks, returns a typed result and never
 * writes to stdout or stderr. Errors are `FacialR1Error`s with a stable `code`.
 *
 * @packageDocumentation
 */

// Errors and the shared option shapes.
export { AbortedError, FacialR1Error, InvalidInputError, RemoteError, TrainerContractError, formatProblem } from "./util/errors.js";
export type { ErrorCode, Location, Problem, RemoteErrorKind, Severity } from "./util/errors.js";
export type { ProgressEvent, ProgressListener } from "./util/run-context.js";
export type { ProblemOptions, RunOptions } from "./api/options.js";

// Run configs, preflight and plan.
export { loadRunConfig, validateRunConfig, type LoadedRunConfig, type RunConfig, type RunConfigFileOptions, type RunConfigInput, type RunConfigValidation } from "./api/run-config.js";
export {
  describePlan,
  describePreflight,
  planRun,
  preflightReportJson,
  preflightRun,
  type PlanResult,
  type PlanRunOptions,
  type PreflightOptions,
  type PreflightReport,
  type PreflightReportJson,
} from "./api/plan-run.js";
export { writeStarterRunConfig, type WriteStarterRunConfigOptions } from "./api/starter-configs.js";
export { RUN_NAME_PATTERN } from "./schema/run-config.js";
export { describeQuickstart, runQuickstart, type QuickstartOptions, type QuickstartSummary } from "./api/quickstart.js";

// Rewards and plugins.
export * from "./rewards-api.js";

// Datasets.
export { validateDataset, type ValidateDatasetOptions, type ValidationReport } from "./api/validate-dataset.js";
export { convertDataset, type ConvertDatasetOptions, type ConvertOptions, type ConvertSummary } from "./api/convert-dataset.js";
export { describeShards, shardDataset, type ShardDatasetOptions, type ShardResult } from "./api/shard-dataset.js";
export { describeSplits, splitDataset, type SplitDatasetOptions, type SplitResult } from "./api/split-dataset.js";
export { mergeDatasets, type MergeDatasetsOptions, type MergeSummary } from "./api/merge-datasets.js";
export { sampleDataset, DEFAULT_SAMPLE_SEED, type SampleDatasetOptions, type SampleSummary } from "./api/sample-dataset.js";
export { datasetStats, formatStatsTable, type DatasetStats, type DatasetStatsOptions, type FileStats, type FrequencyMap } from "./api/dataset-stats.js";

// Runs: launch, follow, cancel, pull.
export {
  cancelRun,
  CHECKPOINT_CHOICES,
  describePull,
  describeRunStatus,
  isFinished,
  launchRun,
  listRuns,
  loadLaunchConfig,
  pullRun,
  runFiles,
  runLogs,
  runStatus,
  type CancelRunOptions,
  type LaunchConfig,
  type LaunchedRun,
  type LaunchRunOptions,
  type ListRunsOptions,
  type LoadLaunchConfigOptions,
  type PullReport,
  type PullRunOptions,
  type RunFiles,
  type RunLogsOptions,
  type RunRecord,
  type RunStatus,
  type RunStatusOptions,
  type SlurmOverrides,
  type SshOverrides,
} from "./api/runs.js";

// Evaluation.
export {
  describeInferSummary,
  describeJudgeSummary,
  formatScoreReport,
  inferPredictions,
  judgePredictions,
  scoreEvaluation,
  writeEvalReport,
  type EndpointOptions,
  type RemoteDatasetOptions,
  type InferPredictionsOptions,
  type InferSummary,
  type JudgePredictionsOptions,
  type JudgeSummary,
  type ReportFiles,
  type ScoreEvaluationOptions,
  type ScoreReport,
  type WriteEvalReportOptions,
} from "./api/evaluation.js";

// Stage-3 synthesis and the iterative loop.
export {
  describeBatchReuse,
  describeBatchStatus,
  describeSynthRound,
  describeSynthSummary,
  synthesize,
  type BatchInfo,
  type SynthesizeOptions,
  type SynthSummary,
} from "./api/synthesize.js";
export { runLoop, validateLoopConfig, type LoopConfig, type LoopConfigFileOptions, type LoopConfigValidation, type LoopSummary, type RunLoopOptions } from "./api/run-loop.js";
export { writeStarterLoopConfig, type WriteStarterLoopConfigOptions } from "./api/starter-configs.js";
export { LoopConfigSchema } from "./loop/config.js";

// The Hugging Face Hub.
export {
  pullDataset,
  pullModel,
  pushDataset,
  pushModel,
  resolveBaseModel,
  type PullRepoOptions,
  type PullResult,
  type PushDatasetOptions,
  type PushModelOptions,
  type PushOptions,
  type PushResult,
  type ResolveBaseModelOptions,
  type ResolvedBase,
} from "./api/hub.js";

// The zod schemas of the files the SDK reads (run configs, reward specs, launch settings).
export { RunConfigSchema } from "./schema/run-config.js";
export { RewardSpecSchema } from "./schema/reward-spec.js";
export { BACKEND_NAMES, LaunchConfigSchema, RUN_STATES, SlurmOptionsSchema, SshTargetSchema } from "./launch/types.js";
export { RunManifestSchema } from "./trainer/bundle/manifest.js";
export { SHARD_FORMAT } from "./data/shard.js";
export { SPLIT_FORMAT } from "./data/split.js";
export { PROTOCOLS } from "./eval/protocols.js";
export { CONVERTER_NAMES } from "./data/convert/index.js";
export { REWARD_PRESET_NAMES } from "./schema/reward-preset-names.js";

export type * from "./api/types.js";
export { VERSION } from "./version.js";
