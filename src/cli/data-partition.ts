import { Option, type Command } from "commander";
import { InvalidInputError } from "../util/errors.js";
import { limitedProblems, parseFieldPath, parseRatios, parseSeed } from "./data-flags.js";
import { action, parsePositiveInt, printJson, say, sayProblem } from "./io.js";

/** Problems printed one per line before the rest are only counted. */
const SHOWN_PROBLEMS = 100;

export function registerPartitionCommands(data: Command): void {
  data
    .command("shard")
    .description("Split JSONL files into deterministic, optionally label-stratified shards plus manifest.json")
    .argument("<files...>", "Facial-R1 JSONL files (read in the order given)")
    .requiredOption("--out <dir>", "output directory for shard-NNNNN-of-KKKKK.jsonl and manifest.json")
    .addOption(new Option("--shard-size <n>", "at most N records per shard (shards = ceil(records / N))").conflicts("shards"))
    .option("--shards <k>", "exactly K shards")
    .option("--seed <s>", "seed of the random assignment (non-negative integer)", "42")
    .option("--stratify <field>", "balance shards by `labels` (first label) or a dotted field such as dataset")
    .option("--allow-empty", "write empty outputs when no valid record is read (otherwise exit 2, leaving existing outputs unchanged)")
    .option("--json", "print the manifest summary as JSON on stdout")
    .action(
      action(async (files: string[], opts: { out: string; shardSize?: string; shards?: string; seed: string; stratify?: string; allowEmpty?: boolean; json?: boolean }) => {
        const shardSize = parsePositiveInt("--shard-size", opts.shardSize);
        const shards = parsePositiveInt("--shards", opts.shards);
        const seed = parseSeed(opts.seed);
        const stratify = opts.stratify === undefined ? undefined : parseFieldPath("--stratify", opts.stratify);
        if ((shardSize === undefined) === (shards === undefined)) throw new InvalidInputError("give exactly one of --shard-size N and --shards K");
        const { describeShards, shardDataset } = await import("../api/shard-dataset.js");
        const problems = limitedProblems(SHOWN_PROBLEMS, sayProblem);
        const result = await shardDataset({ files, out: opts.out, shardSize, shards, seed, stratify, allowEmpty: opts.allowEmpty, onProblem: problems.report });
        if (problems.hidden() > 0) say(`... and ${problems.hidden()} more problems not shown`);
        if (opts.json) printJson({ manifest: result.manifestPath, ...result.manifest });
        else say(describeShards(result));
        return result.manifest.rejected > 0 ? 1 : 0;
      }),
    );

  data
    .command("split")
    .description("Split JSONL files into train/val/test (or k folds), deterministically, optionally keeping groups together")
    .argument("<files...>", "Facial-R1 JSONL files (read in the order given)")
    .requiredOption("--out <dir>", "output directory for train.jsonl / val.jsonl / test.jsonl (or fold-N/) and manifest.json")
    .addOption(new Option("--ratios <r>", "train,val,test (or train,test) fractions adding up to 1, e.g. 0.8,0.1,0.1").conflicts("folds"))
    .option("--folds <k>", "k-fold cross-validation: fold-N/train.jsonl and fold-N/test.jsonl for N = 1..k")
    .option("--group-by <field>", "keep records with the same value together, e.g. meta_info.subject (subject-exclusive)")
    .option("--seed <s>", "seed of the random assignment (non-negative integer)", "42")
    .option("--allow-empty", "write empty outputs when no valid record is read (otherwise exit 2, leaving existing outputs unchanged)")
    .option("--json", "print the manifest summary as JSON on stdout")
    .action(
      action(async (files: string[], opts: { out: string; ratios?: string; folds?: string; groupBy?: string; seed: string; allowEmpty?: boolean; json?: boolean }) => {
        const ratios = opts.ratios === undefined ? undefined : parseRatios(opts.ratios);
        const folds = parsePositiveInt("--folds", opts.folds);
        const groupBy = opts.groupBy === undefined ? undefined : parseFieldPath("--group-by", opts.groupBy);
        const seed = parseSeed(opts.seed);
        if ((ratios === undefined) === (folds === undefined)) throw new InvalidInputError("give exactly one of --ratios and --folds");
        if (folds !== undefined && folds < 2) throw new InvalidInputError(`--folds must be an integer from 2 to 100, got ${folds}`);
        const { describeSplits, splitDataset } = await import("../api/split-dataset.js");
        const problems = limitedProblems(SHOWN_PROBLEMS, sayProblem);
        const result = await splitDataset({ files, out: opts.out, ratios, folds, groupBy, seed, allowEmpty: opts.allowEmpty, onProblem: problems.report });
        if (problems.hidden() > 0) say(`... and ${problems.hidden()} more problems not shown`);
        if (opts.json) printJson({ manifest: result.manifestPath, ...result.manifest });
        else say(describeSplits(result));
        return result.manifest.rejected > 0 ? 1 : 0;
      }),
    );
}
