/**
 * The types that results and options are made of, for callers who name them; each lives with
 * the code that produces it.
 */
export type { Counts, FileReport } from "../data/validate.js";
export type { Histograms, InputCounts } from "../data/partition.js";
export type { ImageFormat, ImageProblemKind, ImageSummary } from "../data/images.js";
export type { ShardEntry, ShardManifest } from "../data/shard.js";
export type { FoldEntry, SplitEntry, SplitManifest, SplitPart } from "../data/split.js";
export type { AuMetrics, AuScore, BinaryCounts } from "../eval/metrics/au.js";
export type { ClassScore, Confusion, EmotionMetrics } from "../eval/metrics/emotion.js";
export type { JudgeScores } from "../eval/metrics/judge.js";
export type { GroupScores, RegeSummary, RougeSummary, ScoreCounts } from "../eval/score.js";
export type { JudgeCounts } from "../eval/judge.js";
export type { ProtocolName } from "../eval/protocols.js";
export type { HubRepoType, PushSummary } from "../hub/upload.js";
export type { PlannedFile } from "../hub/push-dataset.js";
export type { BackendName, RunState, SlurmOptions, SshTarget } from "../launch/types.js";
export type { LoopReportFiles, RoundRow } from "../loop/report.js";
export type { RemoteReward } from "../plugins/remote.js";
export type { RewardPresetName } from "../schema/reward-preset-names.js";
export type { ServerCounters } from "../rewards/server.js";
export type { RunManifest } from "../trainer/bundle/manifest.js";
export type { CheckpointReport, RunSummary } from "../runs/pull.js";
export type { SynthRound } from "../synth/summary.js";
export type { RunArithmetic } from "../trainer/arithmetic.js";
export type { ShardCounts } from "../trainer/bundle/shards.js";
export type { MemoryEstimate } from "../trainer/memory.js";
export type { FileFacts, Selection } from "../trainer/preflight.js";
export type { TokenCounter } from "../trainer/tokenizer.js";
export type { RewardSpecInput, RewardSpecSource } from "./reward-plugin.js";
export type { ScoredItem } from "./rewards.js";
export type { LaunchConfigInput } from "./runs.js";
export type { ConverterName } from "../data/convert/index.js";
