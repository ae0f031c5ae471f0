import { z } from "zod";
import { runPushDataset, runPushModel, type PushResult } from "../hub/commands.js";
import { pullRepo, type PullResult } from "../hub/pull.js";
import { resolveBaseModel as baseModelOf, type ResolvedBase } from "../runs/base-model.js";
import { parseOptions, PROBLEM_FIELDS, RUN_FIELDS, runWith, sameShape, type ProblemOptions, type RunOptions } from "./options.js";

/**
 * The Hugging Face Hub: push datasets and models (with generated cards), pull them into the
 * Hugging Face cache that transformers and vLLM read offline. The token comes from `HF_TOKEN`
 * or the huggingface-cli token file; `HF_ENDPOINT` names another Hub.
 */
export type { PullResult, PushResult, ResolvedBase };

/** What both push functions take. */
export interface PushOptions extends RunOptions, ProblemOptions {
  /** `namespace/name`. */
  repo: string;
  private?: boolean;
  /** Branch to commit to (default main; created from the default branch when missing). */
  revision?: string;
  /** Tag the pushed commit (e.g. round-3). */
  tag?: string;
  /** Commit message. */
  message?: string;
  license?: string;
  /** Plan only: what would be uploaded, and the card; no token needed. */
  dryRun?: boolean;
  /** Progress lines of the upload (what the CLI prints). */
  onMessage?: (line: string) => void;
}

const PushFields = {
  repo: z.string().min(1),
  private: z.boolean().optional(),
  revision: z.string().min(1).default("main"),
  tag: z.string().min(1).optional(),
  message: z.string().min(1).optional(),
  license: z.string().min(1).optional(),
  dryRun: z.boolean().optional(),
  onMessage: z.custom<(line: string) => void>((v) => typeof v === "function").optional(),
  ...RUN_FIELDS,
  ...PROBLEM_FIELDS,
};

/** Options of {@link pushDataset}. */
export interface PushDatasetOptions extends PushOptions {
  /** JSONL files; the split is read from each file name (train, val, test)... */
  files?: string[];
  /** ...or given as `name=FILE`. */
  splits?: string[];
  /** The images the records reference. */
  images?: string;
  /** jsonl (data/*.jsonl + images/, default) or imagefolder (<split>/metadata.jsonl beside its images: the viewer shows pictures). */
  layout?: "jsonl" | "imagefolder";
  /** Push even when some records are invalid (they are named in the card). */
  allowInvalid?: boolean;
}

const PushDatasetOptions = z.strictObject({
  files: z.array(z.string().min(1)).default([]),
  splits: z.array(z.string().min(1)).optional(),
  images: z.string().min(1).optional(),
  layout: z.enum(["jsonl", "imagefolder"]).default("jsonl"),
  allowInvalid: z.boolean().optional(),
  ...PushFields,
});
sameShape<z.input<typeof PushDatasetOptions>, PushDatasetOptions>(true);

/** Validates the splits and pushes them, their images and a generated dataset card; unchanged files are skipped. */
export async function pushDataset(options: PushDatasetOptions): Promise<PushResult> {
  const o = parseOptions("pushDataset", PushDatasetOptions, options);
  return runWith(o, () =>
    runPushDataset(
      { files: o.files, split: o.splits, images: o.images, layout: o.layout, allowInvalid: o.allowInvalid, repo: o.repo, private: o.private, revision: o.revision, tag: o.tag, message: o.message, license: o.license, dryRun: o.dryRun },
      { say: o.onMessage ?? (() => undefined), onProblem: o.onProblem ?? (() => undefined) },
    ),
  );
}

/** Options of {@link pushModel}. */
export interface PushModelOptions extends PushOptions {
  /** A checkpoint folder (weights, config, tokenizer, trainer state). */
  dir: string;
  /** eval score results to put in the card. */
  eval?: string[];
  /** The base model the card names (default: from the checkpoint's config). */
  baseModel?: string;
  /** Datasets the card names. */
  datasets?: string[];
  /** Also push optimizer states (large; needed only to resume training). */
  includeOptimizer?: boolean;
}

const PushModelOptions = z.strictObject({
  dir: z.string().min(1),
  eval: z.array(z.string().min(1)).optional(),
  baseModel: z.string().min(1).optional(),
  datasets: z.array(z.string().min(1)).optional(),
  includeOptimizer: z.boolean().optional(),
  ...PushFields,
});
sameShape<z.input<typeof PushModelOptions>, PushModelOptions>(true);

/** Pushes a checkpoint with a generated model card and its eval results. */
export async function pushModel(options: PushModelOptions): Promise<PushResult> {
  const o = parseOptions("pushModel", PushModelOptions, options);
  return runWith(o, () =>
    runPushModel(
      { dir: o.dir, eval: o.eval, baseModel: o.baseModel, dataset: o.datasets, includeOptimizer: o.includeOptimizer, repo: o.repo, private: o.private, revision: o.revision, tag: o.tag, message: o.message, license: o.license, dryRun: o.dryRun },
      { say: o.onMessage ?? (() => undefined), onProblem: o.onProblem ?? (() => undefined) },
    ),
  );
}

/** Options of {@link pullDataset} and {@link pullModel}. */
export interface PullRepoOptions extends RunOptions {
  /** `namespace/name`. */
  repo: string;
  /** A branch, a tag or a commit (default main). */
  revision?: string;
  /** Glob patterns of the files to fetch (default all). */
  allow?: string[];
  /** Glob patterns to leave out, applied after `allow`. */
  ignore?: string[];
  /** The Hugging Face cache (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Retry messages and other lines of the download. */
  onMessage?: (line: string) => void;
}

const PullOptions = z.strictObject({
  repo: z.string().min(1),
  revision: z.string().min(1).default("main"),
  allow: z.array(z.string().min(1)).optional(),
  ignore: z.array(z.string().min(1)).optional(),
  cacheDir: z.string().min(1).optional(),
  onMessage: z.custom<(line: string) => void>((v) => typeof v === "function").optional(),
  ...RUN_FIELDS,
});
sameShape<z.input<typeof PullOptions>, PullRepoOptions>(true);

/** Downloads a dataset repository at a revision into the Hugging Face cache (refs/, blobs/, snapshots/). */
export function pullDataset(options: PullRepoOptions): Promise<PullResult> {
  return pull("pullDataset", "dataset", options);
}

/** Downloads a model repository at a revision into the Hugging Face cache, for transformers and vLLM offline. */
export function pullModel(options: PullRepoOptions): Promise<PullResult> {
  return pull("pullModel", "model", options);
}

async function pull(fn: string, type: "dataset" | "model", options: PullRepoOptions): Promise<PullResult> {
  const o = parseOptions(fn, PullOptions, options);
  return runWith(o, () => pullRepo({ type, repo: o.repo, revision: o.revision, allow: o.allow, ignore: o.ignore, cacheDir: o.cacheDir, onMessage: o.onMessage }));
}

/** Options of {@link resolveBaseModel}. */
export interface ResolveBaseModelOptions {
  /** A checkpoint folder. */
  dir: string;
  /** The base model's Hub id, when known: it wins (the CLI's `--base-model`). */
  baseModel?: string;
}

const ResolveBaseModelOptions = z.strictObject({
  dir: z.string().min(1),
  baseModel: z.string().min(1).optional(),
});
sameShape<z.input<typeof ResolveBaseModelOptions>, ResolveBaseModelOptions>(true);

/**
 * The base model a model card names: `baseModel` when given, else the Hub id of the `model.path`
 * in the manifest of the run that wrote the checkpoint (the run bundle's, or the copy
 * `pullRun` keeps), looked for in `dir` and the folders above it. `note` says where the id
 * came from, or why it is unknown (`warning: ...`), in a line for people.
 */
export async function resolveBaseModel(options: ResolveBaseModelOptions): Promise<ResolvedBase> {
  const o = parseOptions("resolveBaseModel", ResolveBaseModelOptions, options);
  return baseModelOf(o.dir, o.baseModel);
}
