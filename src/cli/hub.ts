import { Option, type Command } from "commander";
import { action, collect, printJson, say, sayProblem } from "./io.js";
import type { PushOptions } from "../index.js";

export function registerHubCommands(program: Command): void {
  const hub = program.command("hub").description("Push datasets and models to the Hugging Face Hub and pull them into its cache (token from HF_TOKEN or the huggingface-cli token file)");

  const pushDataset = hub
    .command("push-dataset")
    .description("Validate JSONL splits and push them, the images they reference and a generated dataset card")
    .argument("[files...]", "JSONL files; the split (train, val, test) is read from each file name")
    .requiredOption("--repo <ns/name>", "dataset repository, e.g. my-org/fea-20k")
    .option("--split <name=file>", "a file with an explicit split name (repeatable)", collect)
    .option("--images <dir>", "image folder the records' paths are relative to; the referenced images are pushed under images/")
    .option("--license <id>", "license for the card, e.g. cc-by-nc-4.0")
    .option("--allow-invalid", "push even when some records fail validation")
    .addOption(new Option("--layout <layout>", "jsonl: data/*.jsonl + images/; imagefolder: <split>/metadata.jsonl beside its images, shown as pictures by the Hub's viewer").choices(["jsonl", "imagefolder"]).default("jsonl"));
  withPushOptions(pushDataset).action(
    action(async (files: string[], opts: { repo: string; split?: string[]; images?: string; layout: "jsonl" | "imagefolder"; license?: string; allowInvalid?: boolean; private?: boolean; revision: string; tag?: string; message?: string; dryRun?: boolean; json?: boolean }) => {
      const { pushDataset } = await import("../api/hub.js");
      const result = await pushDataset({
        files,
        splits: opts.split,
        images: opts.images,
        layout: opts.layout,
        license: opts.license,
        allowInvalid: opts.allowInvalid,
        ...pushFlags(opts),
      });
      if (opts.json) printJson(result);
    }),
  );

  const pushModel = hub
    .command("push-model")
    .description("Push a checkpoint folder (weights, config, tokenizer, trainer state) with a generated model card and eval results")
    .argument("<dir>", "checkpoint folder")
    .requiredOption("--repo <ns/name>", "model repository, e.g. my-org/facial-r1-7b")
    .option("--eval <file>", "result of `facial-r1 eval score --json` for the model-index (repeatable)", collect)
    .option("--base-model <id>", "base model on the Hub (default: the model.path of the run that wrote the checkpoint, from its manifest)")
    .option("--dataset <id>", "training dataset on the Hub, for the card (repeatable)", collect)
    .option("--license <id>", "license for the card, e.g. apache-2.0")
    .option("--include-optimizer", "also push optimizer, scheduler and RNG states (global_step*/, optimizer.pt, ...)");
  withPushOptions(pushModel).action(
    action(async (dir: string, opts: { repo: string; eval?: string[]; baseModel?: string; dataset?: string[]; license?: string; includeOptimizer?: boolean; private?: boolean; revision: string; tag?: string; message?: string; dryRun?: boolean; json?: boolean }) => {
      const { pushModel, resolveBaseModel } = await import("../api/hub.js");
      const base = await resolveBaseModel({ dir, baseModel: opts.baseModel });
      say(base.note);
      const result = await pushModel({
        dir,
        eval: opts.eval,
        baseModel: base.id,
        datasets: opts.dataset,
        license: opts.license,
        includeOptimizer: opts.includeOptimizer,
        ...pushFlags(opts),
      });
      if (opts.json) printJson(result);
    }),
  );

  for (const type of ["dataset", "model"] as const) {
    hub
      .command(`pull-${type}`)
      .description(`Download a ${type} repository at a revision into the Hugging Face cache (refs/, blobs/, snapshots/) that transformers and vLLM read offline`)
      .argument("<repo>", `${type} repository, e.g. my-org/${type === "dataset" ? "fea-20k" : "facial-r1-7b"}`)
      .option("--revision <rev>", "branch, tag or commit sha", "main")
      .option("--allow <pattern>", "only files matching this glob, e.g. '*.safetensors' or 'data/' (repeatable)", collect)
      .option("--ignore <pattern>", "leave out files matching this glob (repeatable)", collect)
      .option("--cache-dir <dir>", "the cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
      .option("--json", "print the result as JSON on stdout")
      .action(
        action(async (repo: string, opts: { revision: string; allow?: string[]; ignore?: string[]; cacheDir?: string; json?: boolean }) => {
          const { pullDataset, pullModel } = await import("../api/hub.js");
          const pull = type === "dataset" ? pullDataset : pullModel;
          const result = await pull({ repo, revision: opts.revision, allow: opts.allow, ignore: opts.ignore, cacheDir: opts.cacheDir, onMessage: say });
          say(`${repo}@${opts.revision} (commit ${result.commit}): ${result.files} files, ${result.downloaded} downloaded now, in ${result.snapshot}`);
          if (opts.json) printJson(result);
        }),
      );
  }
}

/** The flags both push commands end with. */
interface PushFlags {
  repo: string;
  private?: boolean;
  revision: string;
  tag?: string;
  message?: string;
  dryRun?: boolean;
}

/** The options of both push functions that their shared flags set; their lines and problems go to stderr. */
function pushFlags(opts: PushFlags): PushOptions {
  return { repo: opts.repo, private: opts.private, revision: opts.revision, tag: opts.tag, message: opts.message, dryRun: opts.dryRun, onMessage: say, onProblem: sayProblem };
}

/** The options both push commands end with. */
function withPushOptions(command: Command): Command {
  return command
    .option("--private", "create the repository as private (when it does not exist yet)")
    .option("--revision <branch>", "branch to commit to", "main")
    .option("--tag <name>", "also tag the pushed revision, e.g. round-3 (an existing tag at the same commit is kept)")
    .option("--message <text>", "commit message")
    .option("--dry-run", "list what would be pushed and print the card; no request is made")
    .option("--json", "print the result as JSON on stdout");
}
