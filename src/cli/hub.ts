import type { Command } from "commander";
import { action, collect, printJson, say, sayProblem } from "./io.js";

export function registerHubCommands(program: Command): void {
  const hub = program.command("hub").description("Push datasets and models to the Hugging Face Hub (token from HF_TOKEN or the huggingface-cli token file)");

  const pushDataset = hub
    .command("push-dataset")
    .description("Validate JSONL splits and push them, the images they reference and a generated dataset card")
    .argument("[files...]", "JSONL files; the split (train, val, test) is read from each file name")
    .requiredOption("--repo <ns/name>", "dataset repository, e.g. my-org/fea-20k")
    .option("--split <name=file>", "a file with an explicit split name (repeatable)", collect)
    .option("--images <dir>", "image folder the records' paths are relative to; the referenced images are pushed under images/")
    .option("--license <id>", "license for the card, e.g. cc-by-nc-4.0")
    .option("--allow-invalid", "push even when some records fail validation");
  withPushOptions(pushDataset).action(
    action(async (files: string[], opts: { repo: string; split?: string[]; images?: string; license?: string; allowInvalid?: boolean; private?: boolean; revision: string; message?: string; dryRun?: boolean; json?: boolean }) => {
      const { runPushDataset } = await import("../hub/commands.js");
      const result = await runPushDataset({ ...opts, files }, { say, onProblem: sayProblem });
      if (opts.json) printJson(result);
    }),
  );

  const pushModel = hub
    .command("push-model")
    .description("Push a checkpoint folder (weights, config, tokenizer, trainer state) with a generated model card and eval results")
    .argument("<dir>", "checkpoint folder")
    .requiredOption("--repo <ns/name>", "model repository, e.g. my-org/facial-r1-7b")
    .option("--eval <file>", "result of `facial-r1 eval score --json` for the model-index (repeatable)", collect)
    .option("--base-model <id>", "base model on the Hub", "Qwen/Qwen2.5-VL-7B-Instruct")
    .option("--dataset <id>", "training dataset on the Hub, for the card (repeatable)", collect)
    .option("--license <id>", "license for the card, e.g. apache-2.0")
    .option("--include-optimizer", "also push optimizer, scheduler and RNG states (global_step*/, optimizer.pt, ...)");
  withPushOptions(pushModel).action(
    action(async (dir: string, opts: { repo: string; eval?: string[]; baseModel: string; dataset?: string[]; license?: string; includeOptimizer?: boolean; private?: boolean; revision: string; message?: string; dryRun?: boolean; json?: boolean }) => {
      const { runPushModel } = await import("../hub/commands.js");
      const result = await runPushModel({ ...opts, dir }, { say, onProblem: sayProblem });
      if (opts.json) printJson(result);
    }),
  );
}

/** The options both push commands end with. */
function withPushOptions(command: Command): Command {
  return command
    .option("--private", "create the repository as private (when it does not exist yet)")
    .option("--revision <branch>", "branch to commit to", "main")
    .option("--message <text>", "commit message")
    .option("--dry-run", "list what would be pushed and print the card; no request is made")
    .option("--json", "print the result as JSON on stdout");
}
