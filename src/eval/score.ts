import { z } from "zod";
import { readJsonlBatches, type JsonlValue } from "../data/jsonl.js";
import { PredictionSchema } from "../schema/sample.js";
import { invalidInput, type Problem } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { AuAccumulator, compareAuNames, compareCodePoints, type AuMetrics } from "./metrics/au.js";
import { EmotionAccumulator, type EmotionMetrics } from "./metrics/emotion.js";
import { canonicalAuToken } from "../taxonomy/action-units.js";
import { BASIC_EMOTIONS } from "../taxonomy/emotions.js";
import { FloatList } from "./metrics/mean.js";
import { pltrdyRougeL } from "./metrics/pltrdy-rouge.js";
import { REGE_CLASSES, descriptionToEmotion, readRegeAuNumbers, regeAuRecognition } from "./metrics/rege.js";
import { RougePool } from "./metrics/rouge-pool.js";
import { foldJudgements, type JudgeScores } from "./metrics/judge.js";
import { normalizeLabel, readFacialR1, readStandard, resolveBenchmark, type Benchmark, type ProtocolName } from "./protocols.js";
import { schemaProblem } from "../data/record-check.js";

export interface ScoreParams {
  dataset: string;
  predictions: string;
  protocol: ProtocolName;
  /** Benchmark whose lists the standard protocol uses for every record (default: from each record's `dataset`). */
  benchmark?: string;
  /** Also compute REGE (on by default when the benchmark is FABA). */
  rege?: boolean;
  /** JSONL of `{id, score, reason, error?}` from the judge, folded into a `judge` block. */
  judgements?: string;
  /** Called for every rejected or suspicious input line. */
  onProblem?: (problem: Problem) => void;
  progress?: boolean;
  /** Compute ROUGE on a worker thread (default: when the machine has more than one core). */
  rougeWorker?: boolean;
}

export interface RougeSummary {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  /** Records with a reference description, the ones averaged. */
  scored: number;
}

export interface RegeSummary {
  emotion: { s_re: number; s_ge: number | null; rege: number | null; scored: number } | null;
  au: { s_re: number; s_ge: number | null; rege: number | null; per_au: Record<string, number | null> } | null;
  /** Records whose description and output were compared (S_ge). */
  generation_scored: number;
}

export interface ScoreCounts {
  /** Valid dataset records; each one is scored (a missing prediction as an empty output). */
  records: number;
  dataset_rejected: number;
  dataset_duplicate_ids: number;
  predictions_scored: number;
  predictions_rejected: number;
  predictions_unknown_id: number;
  predictions_duplicate_id: number;
  missing_predictions: number;
  empty_outputs: number;
  records_without_labels: number;
  records_without_aus: number;
  records_without_description: number;
  emotion_scored: number;
  emotion_not_scored: number;
  au_scored: number;
  au_not_scored: number;
  rouge_scored: number;
}

export interface GroupScores {
  emotion: EmotionMetrics | null;
  au: AuMetrics | null;
  rouge: RougeSummary | null;
  rege?: RegeSummary;
  counts: Pick<ScoreCounts, "records" | "missing_predictions" | "empty_outputs" | "emotion_scored" | "au_scored" | "rouge_scored">;
}

export interface ScoreReport {
  protocol: ProtocolName;
  benchmark: string | null;
  emotion: EmotionMetrics | null;
  au: AuMetrics | null;
  rouge: RougeSummary | null;
  rege?: RegeSummary;
  judge?: JudgeScores;
  counts: ScoreCounts;
  /** Per `dataset` tag, when the dataset file mixes several. */
  datasets?: Record<string, GroupScores>;
}

const TruthSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]),
  dataset: z.string().optional(),
  AUs: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
  description: z.string().optional(),
});

interface Truth {
  index: number;
  group: number;
  aus: string[];
  label: string | undefined;
  hasDescription: boolean;
  /** The description, kept only where REGE may need it (the ROUGE pool has its own copy). */
  regeDescription: string | undefined;
  dataset: string | undefined;
  predicted: boolean;
}

/** Metric accumulators for one slice of the records (all of them, or one dataset tag). */
class Tally {
  records = 0;
  missing = 0;
  empty = 0;
  readonly emotion = new EmotionAccumulator();
  readonly au = new AuAccumulator();
  readonly truthAus = new Set<string>();
  readonly truthLabels = new Set<string>();
  readonly standardClasses = new Set<string>();
  readonly standardAus = new Set<string>();
  emotionSkipped = 0;
  auSkipped = 0;
  auScored = 0;
  readonly regeAu = new AuAccumulator();
  regeEmotionCorrect = 0;
  regeEmotionTotal = 0;
  readonly rouge = [new FloatList(), new FloatList(), new FloatList()];
  readonly regeGeneration = new FloatList();
}

function isId(value: unknown): value is string | number {
  return (typeof value === "string" && value.length > 0) || Number.isInteger(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** The fields scoring reads, when the value has them right (`TruthSchema` explains when not). */
function asTruth(value: unknown): z.infer<typeof TruthSchema> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (!isId(v.id)) return undefined;
  if (v.dataset !== undefined && typeof v.dataset !== "string") return undefined;
  if (v.AUs !== undefined && !isStringArray(v.AUs)) return undefined;
  if (v.labels !== undefined && !isStringArray(v.labels)) return undefined;
  if (v.description !== undefined && typeof v.description !== "string") return undefined;
  return v as z.infer<typeof TruthSchema>;
}

/** A prediction when the value has an id and a string output (`PredictionSchema` explains when not). */
function asPrediction(value: unknown): { id: string | number; output: string } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  return isId(v.id) && typeof v.output === "string" ? { id: v.id, output: v.output } : undefined;
}

/** `text.trim() === ""` without copying the text (`\s` is exactly the set `trim` removes). */
function isBlank(text: string): boolean {
  return !/\S/.test(text);
}

/** The key that joins predictions to records: ids compare as text (`7` joins `"7"`). */
function idKey(id: string | number): string {
  return String(id);
}

/**
 * Scores a predictions file against a dataset file. The dataset is read first into a map
 * from id to the few fields scoring needs; predictions then stream through and are
 * scored as they arrive; records left without a prediction are scored as an empty output.
 */
export async function scoreEvaluation(params: ScoreParams): Promise<ScoreReport> {
  const report = params.onProblem ?? (() => {});
  const fixedBenchmark = params.benchmark === undefined ? undefined : resolveBenchmark(params.benchmark);
  if (params.benchmark !== undefined && !fixedBenchmark) throw invalidInput(`unknown benchmark "${params.benchmark}"`, { field: "--benchmark" });

  const truths = new Map<string, Truth>();
  const groupNames: string[] = [];
  const groupIndex = new Map<string, number>();
  /** REGE is computed when every group wants it: FABA data (by tag or --benchmark), or --rege. */
  const groupWantsRege: boolean[] = [];
  const recordGroups: number[] = [];
  const counts: ScoreCounts = {
    records: 0,
    dataset_rejected: 0,
    dataset_duplicate_ids: 0,
    predictions_scored: 0,
    predictions_rejected: 0,
    predictions_unknown_id: 0,
    predictions_duplicate_id: 0,
    missing_predictions: 0,
    empty_outputs: 0,
    records_without_labels: 0,
    records_without_aus: 0,
    records_without_description: 0,
    emotion_scored: 0,
    emotion_not_scored: 0,
    au_scored: 0,
    au_not_scored: 0,
    rouge_scored: 0,
  };

  const addTruth = (item: JsonlValue): void => {
    if (item.kind === "unreadable") {
      counts.dataset_rejected++;
      report(item.problem);
      return;
    }
    const record = asTruth(item.value);
    if (!record) {
      counts.dataset_rejected++;
      const parsed = TruthSchema.safeParse(item.value);
      report(parsed.success ? { file: item.file, line: item.line, message: "invalid record" } : schemaProblem(parsed.error, item.value, item));
      return;
    }
    const key = idKey(record.id);
    if (truths.has(key)) {
      counts.dataset_duplicate_ids++;
      report({ file: item.file, line: item.line, field: "id", message: `duplicate id ${JSON.stringify(record.id)}; the first record with it is scored` });
      return;
    }
    const tag = record.dataset ?? "(no dataset)";
    let group = groupIndex.get(tag);
    if (group === undefined) {
      group = groupNames.length;
      groupNames.push(tag);
      groupIndex.set(tag, group);
      groupWantsRege.push(params.rege ?? (fixedBenchmark?.name === "faba" || resolveBenchmark(tag)?.name === "faba"));
    }
    const index = counts.records++;
    if (record.description) rougePool.reference(index, record.description);
    truths.set(key, {
      index,
      group,
      aus: record.AUs ?? [],
      label: record.labels?.[0],
      hasDescription: Boolean(record.description),
      regeDescription: groupWantsRege[group] ? record.description : undefined,
      dataset: record.dataset,
      predicted: false,
    });
    recordGroups.push(group);
    if (!record.labels || record.labels.length === 0) counts.records_without_labels++;
    if (!record.AUs || record.AUs.length === 0) counts.records_without_aus++;
    if (!record.description) counts.records_without_description++;
  };

  // References go to the ROUGE pool as the dataset is read, so their tokenizing overlaps the reading.
  const rougePool = new RougePool(params.rougeWorker);
  try {
    for await (const batch of readJsonlBatches(params.dataset)) for (const item of batch) addTruth(item);
    if (counts.records === 0) throw invalidInput("no valid records to score", { file: params.dataset });
    return await scoreAll();
  } finally {
    await rougePool.close();
  }

  async function scoreAll(): Promise<ScoreReport> {
    const overall = new Tally();
    const groups = groupNames.map(() => new Tally());
    const benchmarkOf = (truth: Truth): Benchmark | undefined => fixedBenchmark ?? resolveBenchmark(truth.dataset);
    const regeOn = groupWantsRege.every(Boolean);
    // Per record, in dataset order: the REGE generation score (NaN = not scored).
    const regeValues = new Float64Array(counts.records).fill(Number.NaN);

    const scoreRecord = (truth: Truth, output: string | undefined): Promise<void> | undefined => {
      const text = output ?? "";
      const empty = isBlank(text);
      const tallies = [overall, groups[truth.group]];
      for (const tally of tallies) {
        tally.records++;
        if (output === undefined) tally.missing++;
        else if (empty) tally.empty++;
      }
      if (params.protocol === "facial-r1") {
        const read = readFacialR1(text);
        const truthAus = new Set(truth.aus);
        for (const tally of tallies) {
          tally.emotion.add(truth.label, read.label, truth.label !== undefined && read.label === truth.label);
          tally.au.add(truthAus, read.aus);
          for (const au of truth.aus) tally.truthAus.add(au);
          if (truth.label !== undefined) tally.truthLabels.add(truth.label);
        }
        counts.emotion_scored++;
        counts.au_scored++;
      } else {
        const read = readStandard(text);
        const benchmark = benchmarkOf(truth);
        const classes = benchmark?.classes ?? BASIC_EMOTIONS;
        const label = truth.label === undefined ? undefined : normalizeLabel(truth.label);
        if (label !== undefined && classes.includes(label)) {
          counts.emotion_scored++;
          for (const tally of tallies) {
            for (const c of classes) tally.standardClasses.add(c);
            tally.emotion.add(label, read.label, read.label === label);
          }
        } else {
          counts.emotion_not_scored++;
          for (const tally of tallies) tally.emotionSkipped++;
        }
        if (benchmark?.aus) {
          counts.au_scored++;
          const truthAus = new Set(truth.aus.map((au) => canonicalAuToken(au) ?? au));
          for (const tally of tallies) {
            for (const au of benchmark.aus) tally.standardAus.add(au);
            tally.au.add(truthAus, read.aus, benchmark.aus);
            tally.auScored++;
          }
        } else {
          counts.au_not_scored++;
          for (const tally of tallies) tally.auSkipped++;
        }
      }
      let wait: Promise<void> | undefined;
      if (truth.hasDescription) {
        wait = rougePool.score(truth.index, text);
        counts.rouge_scored++;
      }
      if (regeOn) {
        const label = truth.label === undefined ? undefined : normalizeLabel(truth.label);
        const regeTruthAus = new Set(truth.aus.map((au) => (canonicalAuToken(au) ?? au).replace(/^AU/, "")));
        const predictedAus = readRegeAuNumbers(text);
        for (const tally of tallies) {
          if (label !== undefined && REGE_CLASSES.includes(label)) {
            tally.regeEmotionTotal++;
            if (!empty && descriptionToEmotion(text) === label) tally.regeEmotionCorrect++;
          }
          tally.regeAu.add(regeTruthAus, predictedAus);
        }
        if (truth.regeDescription) {
          // An empty output makes the reference package raise; it scores 0 here instead of being skipped.
          const rougeL = pltrdyRougeL(text, truth.regeDescription);
          if (rougeL) regeValues[truth.index] = rougeL.f;
          else if (empty) regeValues[truth.index] = 0;
        }
      }
      return wait;
    };

    const progress = new Progress({ label: "scoring", unit: "predictions", enabled: params.progress ?? true });
    const scorePrediction = (item: JsonlValue): Promise<void> | undefined => {
      if (item.kind === "unreadable") {
        counts.predictions_rejected++;
        report(item.problem);
        return;
      }
      const prediction = asPrediction(item.value);
      if (!prediction) {
        counts.predictions_rejected++;
        const parsed = PredictionSchema.safeParse(item.value);
        report(parsed.success ? { file: item.file, line: item.line, message: "invalid prediction" } : schemaProblem(parsed.error, item.value, item));
        return;
      }
      const truth = truths.get(idKey(prediction.id));
      if (!truth) {
        counts.predictions_unknown_id++;
        report({ file: item.file, line: item.line, field: "id", message: `id ${JSON.stringify(prediction.id)} is not in ${params.dataset}; not scored` });
        return;
      }
      if (truth.predicted) {
        counts.predictions_duplicate_id++;
        report({ file: item.file, line: item.line, field: "id", message: `duplicate prediction for id ${JSON.stringify(prediction.id)}; the first one is scored` });
        return;
      }
      truth.predicted = true;
      counts.predictions_scored++;
      if (isBlank(prediction.output)) counts.empty_outputs++;
      return scoreRecord(truth, prediction.output);
    };
    for await (const batch of readJsonlBatches(params.predictions)) {
      for (const item of batch) {
        const wait = scorePrediction(item);
        if (wait) await wait;
      }
      progress.tick(batch.length);
    }
    progress.finish();
    for (const truth of truths.values()) {
      if (truth.predicted) continue;
      counts.missing_predictions++;
      const wait = scoreRecord(truth, undefined);
      if (wait) await wait;
    }
    await rougePool.finish();

    // Means in dataset order, as the reference code averages a list built record by record.
    for (let i = 0; i < counts.records; i++) {
      const tallies = [overall, groups[recordGroups[i]]];
      const rouge = rougePool.fmeasures(i);
      if (rouge) {
        for (const tally of tallies) for (let k = 0; k < 3; k++) tally.rouge[k].push(rouge[k]);
      }
      if (!Number.isNaN(regeValues[i])) {
        for (const tally of tallies) tally.regeGeneration.push(regeValues[i]);
      }
    }

    const summarize = (tally: Tally): GroupScores => {
      const summary: GroupScores = {
        emotion: emotionOf(tally, params.protocol),
        au: auOf(tally, params.protocol),
        rouge: rougeOf(tally),
        counts: {
          records: tally.records,
          missing_predictions: tally.missing,
          empty_outputs: tally.empty,
          emotion_scored: tally.emotion.count,
          au_scored: params.protocol === "facial-r1" ? (tally.truthAus.size > 0 ? tally.records : 0) : tally.auScored,
          rouge_scored: tally.rouge[0].length,
        },
      };
      if (regeOn) summary.rege = regeOf(tally);
      return summary;
    };

    const all = summarize(overall);
    if (params.protocol === "facial-r1") {
      if (overall.truthAus.size === 0) counts.au_scored = 0;
      if (overall.truthLabels.size === 0) counts.emotion_scored = 0;
    }
    const result: ScoreReport = {
      protocol: params.protocol,
      benchmark: fixedBenchmark?.name ?? null,
      emotion: all.emotion,
      au: all.au,
      rouge: all.rouge,
      counts,
    };
    if (all.rege) result.rege = all.rege;
    if (params.judgements !== undefined) {
      result.judge = await foldJudgements({
        file: params.judgements,
        recordIndex: (id) => truths.get(idKey(id))?.index,
        records: counts.records,
        onProblem: report,
      });
    }
    if (groupNames.length > 1) {
      result.datasets = Object.fromEntries(groupNames.map((name, i) => [name, summarize(groups[i])]));
    }
    return result;
  }
}

function emotionOf(tally: Tally, protocol: ProtocolName): EmotionMetrics | null {
  if (protocol === "facial-r1") {
    if (tally.truthLabels.size === 0) return null;
    return tally.emotion.metrics(tally.emotion.truthLabels().sort(compareCodePoints));
  }
  return tally.emotion.metrics([...tally.standardClasses]);
}

function auOf(tally: Tally, protocol: ProtocolName): AuMetrics | null {
  // The paper's code averages over its AU classes in sorted (string) order; the table shows them in AU order.
  const aus = protocol === "facial-r1" ? [...tally.truthAus].sort(compareCodePoints) : [...tally.standardAus];
  const metrics = tally.au.metrics(aus);
  if (!metrics) return null;
  const ordered = Object.keys(metrics.per_au).sort(compareAuNames);
  return { ...metrics, per_au: Object.fromEntries(ordered.map((au) => [au, metrics.per_au[au]])) };
}

function rougeOf(tally: Tally): RougeSummary | null {
  const [r1, r2, rl] = tally.rouge.map((list) => list.mean());
  if (r1 === undefined || r2 === undefined || rl === undefined) return null;
  return { rouge1: r1, rouge2: r2, rougeL: rl, scored: tally.rouge[0].length };
}

function regeOf(tally: Tally): RegeSummary {
  const sGe = tally.regeGeneration.mean() ?? null;
  const total = (sRe: number): number | null => (sGe === null ? null : sRe + sGe);
  let emotion: RegeSummary["emotion"] = null;
  if (tally.regeEmotionTotal > 0) {
    const sRe = tally.regeEmotionCorrect / tally.regeEmotionTotal;
    emotion = { s_re: sRe, s_ge: sGe, rege: total(sRe), scored: tally.regeEmotionTotal };
  }
  let au: RegeSummary["au"] = null;
  if (tally.regeAu.positiveAus().length > 0) {
    const recognition = regeAuRecognition((n) => tally.regeAu.countsOf(n));
    if (recognition.s_re !== null) au = { s_re: recognition.s_re, s_ge: sGe, rege: total(recognition.s_re), per_au: recognition.per_au };
  }
  return { emotion, au, generation_scored: tally.regeGeneration.length };
}
