import type { RunConfig } from "../schema/run-config.js";
import type { Problem } from "../util/errors.js";
import { acceptedFlags, GRPO_IGNORED_FLAGS, normalizeFlag, PLANNER_OWNED_FLAGS, SECRET_FLAGS, type TrainerEntry, type VlmR1Trainer } from "./flags.js";
import { targetSpecOf, type KeyVocabulary } from "./targets/index.js";
import { lit, joinWith, type Word } from "../util/shell.js";
import { closestMatch } from "../util/suggest.js";

/** One `--flag value...` of a trainer command line. */
export interface TrainerArg {
  flag: string;
  values: Word[];
}

/** Where the bundle's pieces are, as shell words (they may refer to script variables). */
export interface ArgPaths {
  /** The model: a hub id or a path as the trainer should see it. */
  model: Word;
  outputDir: Word;
  deepspeedConfig: Word;
  /** GRPO: one shard per data file, in config order. */
  dataFiles: Word[];
  imageFolders: Word[];
  /** SFT: the datasets YAML and the common image root. */
  sftDatasets?: Word;
  imageRoot?: Word;
}

export function entryOf(config: RunConfig): TrainerEntry {
  return config.stage === "sft" ? "sft" : "grpo";
}

/** Names of the reward functions to register: every reward with a non-zero weight. */
export function rewardFuncs(config: RunConfig): string[] {
  const w = config.rewards.weights;
  return (["format", "accuracy", "au"] as const).filter((name) => w[name] !== 0);
}

function scalar(value: string | number | boolean): Word {
  return lit(typeof value === "boolean" ? (value ? "true" : "false") : String(value));
}

/**
 * The trainer's command-line arguments for the run, every one a flag the entry point's parser
 * accepts (tests pin this against the flag model).
 */
export function trainerArgs(config: RunConfig, paths: ArgPaths, options: { lora: boolean }): TrainerArg[] {
  const t = config.training;
  const a: TrainerArg[] = [];
  const add = (flag: string, ...values: (Word | string | number | boolean)[]) =>
    a.push({ flag: `--${flag}`, values: values.map((v) => (Array.isArray(v) ? (v as Word) : scalar(v as string | number | boolean))) });

  add("model_name_or_path", paths.model);
  add("output_dir", paths.outputDir);
  if (config.stage === "sft") {
    // accelerate's config file carries the DeepSpeed settings (as in the published SFT script).
    add("dataset_name", paths.sftDatasets ?? lit(""));
    // The fork's sft.py has no --image_root: each entry of the datasets YAML names its own.
    if (config.trainer.target === "vlm-r1") add("image_root", paths.imageRoot ?? lit("/"));
    add("max_length", t.max_seq_length);
    add("packing", t.packing);
    add("remove_unused_columns", false);
  } else {
    add("deepspeed", paths.deepspeedConfig);
    add("dataset_name", "this_is_not_used");
    add("data_file_paths", joinWith(":", paths.dataFiles));
    add("image_folders", joinWith(":", paths.imageFolders));
    const methods = config.datasets.map((d) => d.reward_method);
    if (methods.some((m) => m !== undefined)) add("reward_method", methods.map((m) => m ?? "default").join(":"));
    add("reward_funcs", ...rewardFuncs(config));
    add("num_generations", t.num_generations);
    add("max_completion_length", t.max_completion_length);
    add("beta", t.beta);
    add("num_iterations", t.num_iterations);
    add("epsilon", t.epsilon);
    add("min_pixels", config.model.min_pixels);
    add("max_pixels", config.model.max_pixels);
    add("freeze_vision_modules", t.freeze_vision_modules);
  }
  add("per_device_train_batch_size", t.per_device_batch);
  add("gradient_accumulation_steps", t.gradient_accumulation);
  add("learning_rate", t.learning_rate);
  if (t.max_steps !== undefined) add("max_steps", t.max_steps);
  add("num_train_epochs", t.epochs);
  add("bf16", true);
  add("gradient_checkpointing", t.gradient_checkpointing);
  add("attn_implementation", t.attn_implementation);
  add("seed", t.seed);
  add("data_seed", t.seed);
  add("save_strategy", t.save_strategy);
  if (t.save_steps !== undefined) add("save_steps", t.save_steps);
  if (t.save_only_model) add("save_only_model", true);
  add("logging_steps", t.logging_steps);
  add("report_to", config.tracking.backend);
  add("run_name", config.output.run_name ?? config.name);
  if (options.lora) {
    add("use_peft", true);
    add("lora_r", t.lora.r);
    add("lora_alpha", t.lora.alpha);
    add("lora_dropout", t.lora.dropout);
    add("lora_target_modules", ...t.lora.target_modules);
  }
  for (const [flag, value] of Object.entries(t.extra_args)) {
    const values = Array.isArray(value) ? value.map((v) => scalar(v)) : [scalar(value)];
    a.push({ flag: `--${normalizeFlag(flag)}`, values });
  }
  return a;
}

/**
 * Problems with `training.extra_args`: flags the parser rejects, flags it accepts but the
 * trainer ignores, secrets, and flags the config already sets elsewhere.
 */
export function extraArgProblems(config: RunConfig, where: (key: string) => Omit<Problem, "message">): Problem[] {
  const vocabulary = targetSpecOf(config)?.vocabulary ?? vlmR1Vocabulary(config);
  const problems: Problem[] = [];
  for (const raw of Object.keys(config.training.extra_args)) {
    const key = vocabulary.dotted ? raw.replace(/^--/, "") : normalizeFlag(raw);
    const name = vocabulary.dotted ? key : `--${key}`;
    const shown = `${vocabulary.dotted ? "key" : "flag"} ${name}`;
    const at = where(raw);
    if (!(vocabulary.dotted ? /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/ : /^[A-Za-z_][A-Za-z0-9_]*$/).test(key)) {
      problems.push({ ...at, message: `"${raw}" is not a ${vocabulary.dotted ? "config key" : "flag name"}` });
    } else if (SECRET_FLAGS[key.split(".").pop() ?? key]) {
      problems.push({ ...at, message: `refused: ${SECRET_FLAGS[key.split(".").pop() ?? key]}` });
    } else if (!vocabulary.accepted.has(key)) {
      const suggestion = closestMatch(key, vocabulary.accepted);
      const shownSuggestion = suggestion && (vocabulary.dotted ? suggestion : `--${suggestion}`);
      problems.push({
        ...at,
        message: `the ${vocabulary.kind} has no ${shown}; the trainer would exit at start${shownSuggestion ? `; did you mean ${shownSuggestion}?` : ""}`,
        fix: suggestion,
      });
    } else if (vocabulary.ignored[key]) {
      problems.push({ ...at, message: `refused: the trainer accepts ${name} but ignores it (${vocabulary.ignored[key]})` });
    } else if (vocabulary.owned[key]) {
      problems.push({ ...at, message: `${name} is set from ${vocabulary.owned[key]}; set it there instead` });
    }
  }
  return problems;
}

/** The flags of VLM-R1's and the fork's entry points. */
function vlmR1Vocabulary(config: RunConfig): KeyVocabulary {
  const entry = entryOf(config);
  const target = config.trainer.target as VlmR1Trainer;
  return {
    kind: entry === "sft" ? "SFT (sft.py) parser" : "GRPO (grpo_jsonl.py) parser",
    accepted: acceptedFlags(entry, target),
    ignored: entry === "grpo" ? GRPO_IGNORED_FLAGS : {},
    owned: PLANNER_OWNED_FLAGS,
  };
}
