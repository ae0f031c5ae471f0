import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { ImageChecker, type ImageCheck } from "../data/images.js";
import { readJsonlBatches, type JsonlValue } from "../data/jsonl.js";
import { checkRecord, type RecordCheck } from "../data/record-check.js";
import { SeededRandom } from "../data/seeded-random.js";
import { orderLabelSet } from "../eval/prompt.js";
import type { DatasetEntry, RunConfig } from "../schema/run-config.js";
import type { Sample } from "../schema/sample.js";
import { formatProblem, type Problem, reasonOf } from "../util/errors.js";
import { InOrder } from "../util/concurrency.js";
import { Progress } from "../util/progress.js";
import { entryOf, extraArgProblems } from "./args.js";
import { batchDivisibilityProblem, runArithmetic, worldSizeOf, type RunArithmetic } from "./arithmetic.js";
import { formatPath, resolveFromConfig, type LoadedRunConfig } from "./config-file.js";
import { HARDWARE_PROFILES, isLora } from "./hardware.js";
import { estimateMemory, modelShape, nominalSizeFromPath, type MemoryEstimate } from "./memory.js";
import { shardName } from "./script-prelude.js";
import { loadTokenCounter, type TokenCounter } from "./tokenizer.js";
import { ImageTokens, PromptTokens } from "./token-caches.js";
import { targetSpecOf, type TrainerTargetSpec } from "./targets/index.js";

/**
 * Everything that can be known about a run before a GPU is allocated: the config's own
 * consistency (batch arithmetic, flags, model name), every data file and image, prompt and
 * completion lengths in the model's tokens, and a memory estimate per GPU. Every finding
 * names the file and line, or the config setting, it is about.
 */

/** Findings listed per file and kind; the rest are counted. */
const LISTED_PER_KIND = 20;

export interface FileFacts {
  role: "train" | "eval";
  index: number;
  file: string;
  images: string;
  /** Lines read (non-blank). */
  read: number;
  /** Records that passed the record checks. */
  valid: number;
  rejected: number;
  /** Valid records marked `is_valid: false` (the trainer skips them; shards leave them out). */
  markedInvalid: number;
  /** facial-r1 GRPO: records with `"AUs": []` (the fork cannot take them). */
  emptyAus: number;
  /** Of those, left out by trainer.drop_empty_aus. */
  droppedEmptyAus: number;
  /** Records that go to training (valid, not marked invalid, not dropped, after sampling). */
  selected: number;
  imagesChecked: number;
  imageProblems: number;
  labels: string[];
  promptTokens: { max: number; mean: number; maxRecord?: string };
  imageTokensMax: number;
  /** SFT: records whose target completion is longer than max_completion_length. */
  longCompletions: number;
  /** SFT: records whose prompt + completion exceed max_seq_length. */
  overSequenceLength: number;
}

export interface PreflightReport {
  ok: boolean;
  errors: number;
  warnings: number;
  /** Listed findings (per file and kind at most a few; `suppressed` counts the rest). */
  problems: Problem[];
  suppressed: number;
  files: FileFacts[];
  tokens: { source: TokenCounter["source"]; detail: string };
  arithmetic: RunArithmetic;
  memory?: MemoryEstimate;
  /** The per-file selection the planner applies when writing shards (indices of kept records). */
  selections: Map<string, Selection>;
}

/** Which of a file's eligible records (valid, not marked invalid) are kept. */
export type Selection = { kind: "all" } | { kind: "range"; start: number; end: number } | { kind: "set"; keep: Uint8Array };

export interface PreflightParams {
  loaded: LoadedRunConfig;
  checkImages?: boolean;
  progress?: boolean;
  onProblem?: (p: Problem) => void;
  /** Sees each data file as it is read (plan writes the bundle's data from this one read). */
  observe?: ObserveDataFile;
}

/** Called before a data file is read; what it returns sees the file's bytes and training records. */
export type ObserveDataFile = (file: { role: "train" | "eval"; index: number; file: string }) => DataFileObserver | undefined;

export interface DataFileObserver {
  /** The file's bytes, chunk by chunk, as read. */
  bytes?: (chunk: Buffer) => void;
  /** Each record that goes on to the trainer (valid, not marked invalid, not left out), in file order, before sampling. */
  record?: (record: Sample) => void;
  /** Between chunks: a promise to wait for before reading on (the observer's writes are behind). */
  ready?: () => Promise<void> | undefined;
  /** The whole file was read. */
  done?: () => Promise<void> | void;
}

export async function preflight(params: PreflightParams): Promise<PreflightReport> {
  const { loaded } = params;
  const config = loaded.config;
  const problems: Problem[] = [];
  let errors = 0;
  let warnings = 0;
  let suppressed = 0;
  const listed = new Map<string, number>();
  const report = (p: Problem, kindKey?: string) => {
    if (p.severity === "warning") warnings++;
    else errors++;
    if (kindKey) {
      const n = (listed.get(kindKey) ?? 0) + 1;
      listed.set(kindKey, n);
      if (n > LISTED_PER_KIND) {
        suppressed++;
        return;
      }
    }
    problems.push(p);
    params.onProblem?.(p);
  };
  const setting = (path: PropertyKey[]): Omit<Problem, "message"> => ({ file: loaded.file, ...loaded.locate(path), field: formatPath(path) });

  checkConfig(config, setting, report);

  const tokenCounter = await loadTokenCounter(config.model.path, loaded.baseDir);
  if (tokenCounter.source === "estimate") report({ ...setting(["model", "path"]), severity: "warning", message: tokenCounter.detail });

  const files: FileFacts[] = [];
  const selections = new Map<string, Selection>();
  const entries: { role: "train" | "eval"; entry: DatasetEntry; index: number }[] = [
    ...config.datasets.map((entry, index) => ({ role: "train" as const, entry, index })),
    ...config.eval.datasets.map((entry, index) => ({ role: "eval" as const, entry, index })),
  ];
  // One checker per image folder: a file two data files share is read once.
  const checkers = new Map<string, ImageChecker>();
  for (const { role, entry, index } of entries) {
    const facts = await checkDataFile({
      loaded,
      role,
      entry,
      index,
      tokenCounter,
      checkImages: params.checkImages ?? true,
      progress: params.progress ?? true,
      report,
      setting,
      checkers,
      observe: params.observe,
    });
    files.push(facts.facts);
    if (role === "train") selections.set(facts.facts.file, facts.selection);
  }

  const trainRecords = files.filter((f) => f.role === "train").reduce((n, f) => n + f.selected, 0);
  const arithmetic = runArithmetic(config, trainRecords);
  if (config.stage !== "sft" && trainRecords > 0 && arithmetic.promptsPerStep !== undefined && trainRecords < arithmetic.promptsPerStep) {
    report({ ...setting(["training", "per_device_batch"]), severity: "warning", message: `only ${trainRecords} training records for ${arithmetic.promptsPerStep} prompts per optimizer step` });
  }

  const memory = memoryEstimate(config, files, setting, report);
  return {
    ok: errors === 0,
    errors,
    warnings,
    problems,
    suppressed,
    files,
    tokens: { source: tokenCounter.source, detail: tokenCounter.detail },
    arithmetic,
    memory,
    selections,
  };
}

type Report = (p: Problem, kindKey?: string) => void;
type Setting = (path: PropertyKey[]) => Omit<Problem, "message">;

/**
 * The checks that need no file: batch arithmetic, model name, trainer flags, path lists.
 * `config validate` runs them too, so they are reported with the config's positions.
 */
export function configFindings(loaded: LoadedRunConfig): Problem[] {
  const found: Problem[] = [];
  const setting = (path: PropertyKey[]): Omit<Problem, "message"> => ({ file: loaded.file, ...loaded.locate(path), field: formatPath(path) });
  checkConfig(loaded.config, setting, (p) => found.push(p));
  return found;
}

function checkConfig(config: RunConfig, setting: Setting, report: Report): void {
  const spec = targetSpecOf(config);
  if (spec) {
    checkTargetConfig(config, spec, setting, report);
    return;
  }
  const batch = batchDivisibilityProblem(config);
  if (batch) report({ ...setting(["training", "per_device_batch"]), message: batch });

  const modelPath = config.model.path;
  const lower = modelPath.toLowerCase();
  const qwenNamed = modelPath.includes("Qwen2-VL") || modelPath.includes("Qwen2.5-VL");
  if (config.stage === "sft" && !qwenNamed) {
    report({ ...setting(["model", "path"]), message: `sft.py loads only models whose path contains "Qwen2-VL" or "Qwen2.5-VL" (case-sensitive); got "${modelPath}" (rename or symlink the directory)` });
  } else if (config.stage !== "sft" && !qwenNamed) {
    if (lower.includes("qwen")) {
      report({ ...setting(["model", "path"]), message: `the trainer picks its Qwen module by "qwen" in the path, which then requires "Qwen2-VL" or "Qwen2.5-VL" (case-sensitive); got "${modelPath}" (rename or symlink the directory)` });
    } else if (lower.includes("internvl") || lower.includes("glm")) {
      report({ ...setting(["model", "path"]), severity: "warning", message: "image-token and memory estimates assume a Qwen2.5-VL model" });
    } else {
      report({ ...setting(["model", "path"]), message: `the trainer chooses the model module by "qwen", "internvl" or "glm" in the path; "${modelPath}" matches none` });
    }
  }

  for (const p of extraArgProblems(config, (key) => setting(["training", "extra_args", key]))) report(p);

  checkShardNames(config, shardName, setting, report);
  config.datasets.forEach((d, i) => {
    for (const key of ["file", "images"] as const) {
      if (d[key].includes(":")) report({ ...setting(["datasets", i, key]), message: `contains ':'; the trainer splits its path lists on ':'` });
    }
    if (d.reward_method?.includes(":")) report({ ...setting(["datasets", i, "reward_method"]), message: "contains ':'; the trainer splits reward methods on ':'" });
  });

  if (config.stage === "sft" && config.datasets.some((d) => d.reward_method !== undefined)) {
    report({ ...setting(["datasets"]), severity: "warning", message: "reward_method has no effect in the sft stage" });
  }
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  if (profile.gpusPerNode === 1 && config.hardware.nodes > 1) {
    report({ ...setting(["hardware", "nodes"]), severity: "warning", message: `profile ${profile.name} is a single-GPU profile; ${config.hardware.nodes} nodes of one GPU each` });
  }
  if (config.training.save_only_model) {
    report({ ...setting(["training", "save_only_model"]), severity: "warning", message: "checkpoints will hold no optimizer state: a stopped run cannot be resumed" });
  }
}

/** The checks of a trainer planned through its TrainerTargetSpec: its own rules, then what every target shares. */
function checkTargetConfig(config: RunConfig, spec: TrainerTargetSpec, setting: Setting, report: Report): void {
  if (!spec.stages.includes(config.stage)) {
    report({ ...setting(["stage"]), message: `trainer.target ${spec.name} runs stages ${spec.stages.join(", ")}; plan stage ${config.stage} with trainer.target vlm-r1 or facial-r1` });
  }
  spec.configFindings(config, (path, finding) => report({ ...setting(path), ...finding }));
  for (const p of extraArgProblems(config, (key) => setting(["training", "extra_args", key]))) report(p);
  checkShardNames(config, (entry) => spec.shardName(entry), setting, report);
  if (config.training.save_only_model) {
    report({ ...setting(["training", "save_only_model"]), severity: "warning", message: "checkpoints will hold no optimizer state: a stopped run cannot be resumed" });
  }
}

/** Two training files that would land in one shard, or two test files in one copy. */
function checkShardNames(config: RunConfig, nameOf: (entry: DatasetEntry) => string, setting: Setting, report: Report): void {
  const names = new Map<string, number>();
  config.datasets.forEach((d, i) => {
    const name = nameOf(d);
    const other = names.get(name);
    if (other !== undefined) {
      report({ ...setting(["datasets", i, "file"]), message: `same file name as datasets[${other}] (${name}); the trainer keys per-file settings by basename, rename one` });
    }
    names.set(name, i);
  });
  const evalNames = new Map<string, number>();
  config.eval.datasets.forEach((d, i) => {
    const name = shardName(d);
    const other = evalNames.get(name);
    if (other !== undefined) report({ ...setting(["eval", "datasets", i, "file"]), message: `same file name as eval.datasets[${other}] (${name}); the bundle keeps test files by name, rename one` });
    evalNames.set(name, i);
  });
}

interface CheckFileParams {
  loaded: LoadedRunConfig;
  role: "train" | "eval";
  entry: DatasetEntry;
  index: number;
  tokenCounter: TokenCounter;
  checkImages: boolean;
  progress: boolean;
  report: Report;
  setting: Setting;
  checkers: Map<string, ImageChecker>;
  observe?: ObserveDataFile;
}

/** A line as parsed and checked, with the answers for its images. */
interface LineChecked {
  item: JsonlValue;
  check?: RecordCheck;
  answers: ImageCheck[];
}

const NO_ANSWERS: ImageCheck[] = [];

/** The answers for a record's images: at once when all are known, else when the last comes in. */
function askImages(checker: ImageChecker, image: Sample["image"]): ImageCheck[] | Promise<ImageCheck[]> {
  if (typeof image === "string") {
    const answer = checker.check(image);
    return answer instanceof Promise ? answer.then((a) => [a]) : [answer];
  }
  const answers = image.map((i) => checker.check(i));
  return answers.some((a) => a instanceof Promise) ? Promise.all(answers) : (answers as ImageCheck[]);
}
/** Lines whose image answers may be outstanding at once. */
const LINES_IN_FLIGHT = 2048;
/**
 * Bytes read at a time. The lines of a chunk are parsed together and live until the last is
 * settled: small chunks let them die young, before the garbage collector moves them on.
 */
const CHUNK_BYTES = 128 * 1024;

async function checkDataFile(p: CheckFileParams): Promise<{ facts: FileFacts; selection: Selection }> {
  const { loaded, entry, report } = p;
  const config = loaded.config;
  const configPath = p.role === "train" ? ["datasets", p.index] : ["eval", "datasets", p.index];
  const file = resolveFromConfig(loaded, entry.file);
  const images = resolveFromConfig(loaded, entry.images);
  const facts: FileFacts = {
    role: p.role,
    index: p.index,
    file,
    images,
    read: 0,
    valid: 0,
    rejected: 0,
    markedInvalid: 0,
    emptyAus: 0,
    droppedEmptyAus: 0,
    selected: 0,
    imagesChecked: 0,
    imageProblems: 0,
    labels: [],
    promptTokens: { max: 0, mean: 0 },
    imageTokensMax: 0,
    longCompletions: 0,
    overSequenceLength: 0,
  };
  const kind = (k: string) => `${file}:${k}`;

  const fileProblem = await pathProblem(file, "file");
  if (fileProblem) {
    report({ ...p.setting([...configPath, "file"]), message: `${fileProblem}: ${file}` });
    return { facts, selection: { kind: "all" } };
  }
  const checker = p.checkers.get(images) ?? new ImageChecker({ root: images, concurrency: 32 });
  p.checkers.set(images, checker);
  let imagesUsable = true;
  const folderProblem = await pathProblem(images, "directory");
  if (folderProblem) {
    report({ ...p.setting([...configPath, "images"]), message: `${folderProblem}: ${images} (image folder of ${entry.file})` });
    imagesUsable = false;
  }
  const observer = p.observe?.({ role: p.role, index: p.index, file });

  const labelSet = new Set<string>();
  let promptTotal = 0;
  let promptCount = 0;
  const sft = config.stage === "sft";
  const promptTokenCounts = new PromptTokens(config, p.tokenCounter);
  const imageTokenCounts = new ImageTokens(config.model);
  let imageTokenTotal = 0;
  let imageTokenCount = 0;
  const progress = new Progress({ label: `preflight ${basename(file)}`, unit: "records", enabled: p.progress });
  const dropsEmptyAus = p.role === "train" && forkRejectsEmptyAus(config);
  /** Whether a valid record reaches the image checks (and the trainer). */
  const goesOn = (record: Sample) => record.is_valid !== false && !(dropsEmptyAus && record.AUs.length === 0 && !isTrainable(config, record));

  const imageAnswer = (line: number, result: ImageCheck) => {
    facts.imagesChecked++;
    if (!result.ok) {
      facts.imageProblems++;
      report({ file, line, field: "image", message: `${result.image}: ${result.error.message} (image folder ${images})` }, kind(`image-${result.error.kind}`));
      return;
    }
    const tokens = imageTokenCounts.count(result.info, (why) =>
      report({ file, line, field: "image", message: `${result.image}: ${why}; the processor rejects it` }, kind("image-shape")),
    );
    if (tokens > facts.imageTokensMax) facts.imageTokensMax = tokens;
    imageTokenTotal += tokens;
    imageTokenCount++;
  };

  // Each line in file order, once the answers for its images are in.
  const settle = ({ item, check, answers }: LineChecked) => {
    facts.read++;
    if (item.kind === "unreadable") {
      facts.rejected++;
      report({ ...item.problem, file }, kind("record"));
      return;
    }
    if (!check!.ok) {
      facts.rejected++;
      for (const e of check!.errors) report({ ...e, file, line: item.line }, kind("record"));
      return;
    }
    facts.valid++;
    const record = check!.record;
    if (record.is_valid === false) {
      facts.markedInvalid++;
      return;
    }
    if (dropsEmptyAus && record.AUs.length === 0) {
      facts.emptyAus++;
      if (!isTrainable(config, record)) {
        facts.droppedEmptyAus++;
        return;
      }
      report({ file, line: item.line, field: "AUs", message: EMPTY_AUS_MESSAGE }, kind("empty-aus"));
    }
    observer?.record?.(record);
    for (const l of record.labels) labelSet.add(l);
    if (sft && Array.isArray(record.image) && record.image.length !== 1) {
      report({ file, line: item.line, field: "image", message: "sft.py takes exactly one image per record" }, kind("sft-images"));
    }
    if (sft && p.role === "train" && config.trainer.target === "facial-r1" && record.description === undefined) {
      report({ file, line: item.line, field: "description", message: "the fork's sft.py trains on each record's description (a KeyError without it)" }, kind("sft-description"));
    }
    if (record.labels.length === 0) report({ file, line: item.line, field: "labels", message: "no label: the trainer takes labels[0] as the solution" }, kind("labels"));
    for (const answer of answers) imageAnswer(item.line, answer);

    const promptTokens = promptTokenCounts.count(record);
    promptTotal += promptTokens;
    promptCount++;
    if (promptTokens > facts.promptTokens.max) {
      facts.promptTokens.max = promptTokens;
      facts.promptTokens.maxRecord = `${file}:${item.line}`;
    }
    if (sft && p.role === "train") {
      const target = sftTarget(config, record);
      const completionTokens = p.tokenCounter.count(target);
      if (completionTokens > config.training.max_completion_length) {
        facts.longCompletions++;
        report(
          {
            file,
            line: item.line,
            field: "description",
            severity: "warning",
            message: `SFT target is ${completionTokens} tokens, over max_completion_length ${config.training.max_completion_length}: after SFT the model learns answers that GRPO will cut off`,
          },
          kind("long-completion"),
        );
      }
      if (promptTokens + completionTokens > config.training.max_seq_length) {
        facts.overSequenceLength++;
        report(
          { file, line: item.line, severity: "warning", message: `prompt + target ≈ ${promptTokens + completionTokens} tokens, over max_seq_length ${config.training.max_seq_length}: truncated in training` },
          kind("over-sequence"),
        );
      }
    }
  };

  // One pass over the file: records are checked as they are parsed and their images are
  // started at once; lines go on to `settle` in order as the image answers come in.
  const inOrder = new InOrder<LineChecked>(LINES_IN_FLIGHT, settle);
  const checkImages = imagesUsable && p.checkImages;
  for await (const batch of readJsonlBatches(file, { onChunk: observer?.bytes, chunkBytes: CHUNK_BYTES })) {
    progress.tick(batch.length);
    for (const item of batch) {
      if (item.kind === "unreadable") {
        const wait = inOrder.add({ item, answers: NO_ANSWERS });
        if (wait) await wait;
        continue;
      }
      const check = checkRecord(item.value, { file, line: item.line });
      const answers = checkImages && check.ok && goesOn(check.record) ? askImages(checker, check.record.image) : NO_ANSWERS;
      const wait = inOrder.add(answers instanceof Promise ? answers.then((all) => ({ item, check, answers: all })) : { item, check, answers });
      if (wait) await wait;
    }
    await observer?.ready?.();
  }
  await inOrder.drain();
  await observer?.done?.();
  progress.finish();
  facts.labels = orderLabelSet(labelSet);
  facts.promptTokens.mean = promptCount ? Math.round(promptTotal / promptCount) : 0;
  // Image sizes arrive after the text was counted: the maximum adds the largest image, the mean the mean one.
  facts.promptTokens.max += facts.imageTokensMax;
  facts.promptTokens.mean += imageTokenCount ? Math.round(imageTokenTotal / imageTokenCount) : 0;

  const eligible = facts.valid - facts.markedInvalid - facts.droppedEmptyAus;
  if (facts.emptyAus > 0) reportEmptyAus(facts, p.setting([...configPath, "file"]), report);
  const selection = selectionFor(entry, eligible);
  facts.selected = selectedCount(selection, eligible);
  if (facts.rejected > 0) {
    report({
      ...p.setting([...configPath, "file"]),
      message: `${facts.rejected} of ${facts.read} records are not valid records (listed above); fix them (facial-r1 data validate --fix) before planning`,
    });
  }
  if (eligible === 0 && facts.rejected === 0 && facts.droppedEmptyAus === 0) report({ ...p.setting([...configPath, "file"]), message: `no trainable record in ${entry.file}` });
  if (entry.sample && entry.sample.strategy !== "all" && entry.sample.count !== undefined && entry.sample.count > eligible) {
    report({ ...p.setting([...configPath, "sample", "count"]), severity: "warning", message: `asks for ${entry.sample.count} records, the file has ${eligible}; all are used` });
  }
  return { facts, selection };
}

const EMPTY_AUS_MESSAGE =
  'empty: the fork\'s GRPO data preparation fails on a record with "AUs": [] (TypeError in dataset.map, before the first step)';

function reportEmptyAus(facts: FileFacts, where: Omit<Problem, "message">, report: Report): void {
  const of = `${facts.emptyAus} of ${facts.valid - facts.markedInvalid} records`;
  if (facts.droppedEmptyAus === 0) {
    report({
      ...where,
      message: `${of} have "AUs": [] and would stop the Facial-R1 fork before its first step`,
      fix: "plan with --drop-empty-aus (or set trainer.drop_empty_aus: true) to leave them out, or use trainer.target: vlm-r1, which trains on them",
    });
  } else if (facts.droppedEmptyAus === facts.valid - facts.markedInvalid) {
    report({ ...where, message: `all ${of} have "AUs": []: the Facial-R1 fork cannot train on this file (emotion-only data); use trainer.target: vlm-r1` });
  } else {
    report({ ...where, severity: "warning", message: `${of} have "AUs": [] and are left out (trainer.drop_empty_aus): the Facial-R1 fork cannot train on them` });
  }
}

/**
 * SFT training target: the fork's sft.py trains on the record's description as it is; the
 * VLM-R1 launcher (plugin/train_sft.py) on think + answer built from it.
 */
export function sftTarget(config: RunConfig, record: Pick<Sample, "labels" | "description">): string {
  if (config.trainer.target === "facial-r1") return record.description ?? "";
  return `<think>${record.description ?? ""}</think>\n<answer>${record.labels[0] ?? ""}</answer>`;
}

/**
 * Records the fork's GRPO data preparation cannot take: with `"AUs": []` its mapping runs
 * range() over a float weight (a TypeError before the first step).
 */
export function forkRejectsEmptyAus(config: RunConfig): boolean {
  return config.trainer.target === "facial-r1" && config.stage !== "sft";
}

/** Whether a valid record that is not marked invalid goes to the trainer at all (before sampling). */
export function isTrainable(config: RunConfig, record: Pick<Sample, "AUs">): boolean {
  return !(config.trainer.drop_empty_aus && forkRejectsEmptyAus(config) && record.AUs.length === 0);
}

export function selectionFor(entry: DatasetEntry, eligible: number): Selection {
  const s = entry.sample;
  if (!s || s.strategy === "all") return { kind: "all" };
  const wanted = Math.min(eligible, s.count ?? Math.ceil(((s.percent ?? 100) * eligible) / 100));
  if (s.strategy === "first") return { kind: "range", start: 0, end: wanted };
  if (s.strategy === "end") return { kind: "range", start: eligible - wanted, end: eligible };
  return { kind: "set", keep: randomSubset(eligible, wanted, s.seed) };
}

function randomSubset(n: number, k: number, seed: number): Uint8Array {
  // Partial Fisher-Yates over the indices with the project's seeded generator.
  const keep = new Uint8Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = new SeededRandom(seed);
  for (let i = 0; i < k; i++) {
    const j = i + random.below(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
    keep[order[i]] = 1;
  }
  return keep;
}

export function selectedCount(selection: Selection, eligible: number): number {
  if (selection.kind === "all") return eligible;
  if (selection.kind === "range") return selection.end - selection.start;
  let n = 0;
  for (const k of selection.keep) n += k;
  return n;
}

export function isSelected(selection: Selection, index: number): boolean {
  if (selection.kind === "all") return true;
  if (selection.kind === "range") return index >= selection.start && index < selection.end;
  return selection.keep[index] === 1;
}

async function pathProblem(path: string, want: "file" | "directory"): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (want === "file" && !info.isFile()) return "not a file";
    if (want === "directory" && !info.isDirectory()) return "not a directory";
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? (want === "file" ? "data file not found" : "image folder not found") : `cannot read: ${reasonOf(err)}`;
  }
}

function memoryEstimate(config: RunConfig, files: FileFacts[], setting: Setting, report: Report): MemoryEstimate | undefined {
  const parametersB = config.model.parameters_b ?? nominalSizeFromPath(config.model.path);
  if (parametersB === undefined) {
    report({ ...setting(["model", "path"]), message: "cannot tell the model size from its path; set model.parameters_b (billions) for the memory check" });
    return undefined;
  }
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  const grpo = entryOf(config) === "grpo";
  const maxPrompt = Math.max(0, ...files.filter((f) => f.role === "train").map((f) => f.promptTokens.max));
  const estimate = estimateMemory({
    shape: modelShape(parametersB),
    zero: config.training.deepspeed,
    lora: isLora(config, profile.lora),
    worldSize: worldSizeOf(config),
    gradientCheckpointing: config.training.gradient_checkpointing,
    microBatch: config.training.per_device_batch,
    sequenceTokens: grpo ? maxPrompt + config.training.max_completion_length : config.training.max_seq_length,
    referenceModel: grpo && config.training.beta > 0,
    gatherForGeneration: grpo,
    gpuMemoryGiB: profile.gpuMemoryGiB,
  });
  if (estimate.verdict === "does-not-fit") report({ ...setting(["training"]), message: `GPU memory: does not fit: ${estimate.explanation}` });
  else if (estimate.verdict === "tight") report({ ...setting(["training"]), severity: "warning", message: `GPU memory: tight: ${estimate.explanation}` });
  return estimate;
}

/** One line per finding, for the CLI. */
export function formatFindings(report: PreflightReport): string[] {
  const lines = report.problems.map((p) => `${p.severity === "warning" ? "warning: " : "error: "}${formatProblem(p)}`);
  if (report.suppressed > 0) lines.push(`(${report.suppressed} more findings of the same kinds not listed)`);
  return lines;
}
