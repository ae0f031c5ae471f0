import { Option, type Command } from "commander";
import { CONVERTER_CHOICES, SAMPLE_SEED } from "./choices.js";
import { action, collect, parsePositiveInt, printJson, say, sayProblem } from "./io.js";
import type { ConverterName, ConvertOptions } from "../index.js";
import { InvalidInputError, type Problem } from "../util/errors.js";

/** Problems printed on stderr before the rest are only counted (all are in the rejects file). */
const SHOWN_PROBLEMS = 20;

interface ConvertFlags {
  from: ConverterName;
  input: string;
  imagesOut: string;
  out: string;
  images?: string;
  imageDir?: string[];
  split?: string;
  rejects?: string;
  delimiter?: string;
  question?: string;
  usageMap?: string;
  alignedSuffix?: string;
  crop?: boolean;
  threshold?: string;
  every?: string;
  aus?: string;
  imageTemplate?: string;
  lateral?: "merge" | "drop";
  keepLabels?: boolean;
  link: "hardlink" | "copy" | "symlink";
  concurrency?: string;
  json?: boolean;
}

export function registerConvertCommands(data: Command): void {
  const from = new Option("--from <source>", "source dataset").makeOptionMandatory().choices(CONVERTER_CHOICES);
  const seed = new Option("--seed <s>", `random seed (default: ${SAMPLE_SEED})`);

  data
    .command("convert")
    .description("Convert a benchmark's original annotations (and images) to Facial-R1 JSONL")
    .addOption(from)
    .requiredOption("--input <path>", "the source's annotation file or folder")
    .requiredOption("--images-out <dir>", "folder the records' image paths are relative to (images written or linked there)")
    .requiredOption("--out <file>", "output JSONL")
    .option("--images <dir>", "the source's image folder (all sources but fer2013)")
    .option("--image-dir <dataset=dir>", "fea20k: image folder of one source dataset (repeatable)", collect, [])
    .option("--split <name>", "keep only this split (fer2013, rafdb), or the split tag to record (others)")
    .option("--rejects <file>", "where rejected rows go with their reason (default: <out>.rejects.jsonl)")
    .option("--delimiter <char>", 'CSV delimiter, "tab" for a tab (default: ,)')
    .option("--question <text>", "question text of every record")
    .option("--usage-map <pairs>", "fer2013: Usage to split (default: Training=train,PublicTest=val,PrivateTest=test)")
    .option("--aligned-suffix <suffix>", 'rafdb, rafau: aligned image name suffix, "" for the original images (default: _aligned)')
    .option("--crop", "affectnet: crop each image to its face box")
    .option("--threshold <n>", "disfa: intensity at which an AU counts as present (default: 2)")
    .option("--every <n>", "disfa: keep every n-th frame (default: 1)")
    .option("--aus <list>", "disfa, bp4d: only these AU numbers, e.g. 1,2,4,6,9,12,25,26")
    .option("--image-template <pattern>", "disfa, bp4d: frame image path, e.g. {subject}/{frame:05}.png")
    .addOption(new Option("--lateral <mode>", "rafau: lateral codes (L12, R12) merged into the AU or dropped").choices(["merge", "drop"]))
    .option("--keep-labels", "fea20k: keep labels as published instead of mapping them to the unified nouns")
    .addOption(
      new Option("--link <mode>", "how source images reach --images-out (hardlink falls back to copy across filesystems)")
        .choices(["hardlink", "copy", "symlink"])
        .default("hardlink"),
    )
    .option("--concurrency <n>", "image jobs in flight (default: 8 per core)")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (flags: ConvertFlags) => {
        const { convertDataset } = await import("../api/convert-dataset.js");
        // Every source setting is undefined unless its flag is given: the converter refuses those it does not read.
        const source = convertOptions(flags);
        const problems = problemPrinter();
        const summary = await convertDataset({
          from: flags.from,
          source,
          out: flags.out,
          imagesOut: flags.imagesOut,
          rejects: flags.rejects,
          link: flags.link,
          concurrency: parsePositiveInt("--concurrency", flags.concurrency),
          onProblem: problems.print,
        });
        problems.finish(summary.rejects);
        const dropped = Object.entries(summary.dropped_by_reason).map(([reason, n]) => `${n} ${reason}`);
        say(
          `${summary.source}: read ${summary.read} = converted ${summary.converted} + rejected ${summary.rejected} + dropped ${summary.dropped}` +
            (dropped.length > 0 ? ` (${dropped.join("; ")})` : ""),
        );
        if (summary.missing_images > 0) say(`${summary.missing_images} image(s) missing: listed in ${summary.rejects}`);
        say(`wrote ${summary.out} and ${summary.images_written} image(s) under ${summary.images_out}`);
        if (flags.json) printJson(summary);
        return summary.rejected > 0 ? 1 : 0;
      }),
    );

  data
    .command("merge")
    .description("Combine converted JSONL files: one record per id, conflicting duplicates reported")
    .argument("<files...>", "JSONL files, in priority order (the first record of an id wins)")
    .requiredOption("--out <file>", "output JSONL")
    .option("--rejects <file>", "where unreadable lines and conflicting duplicates go (default: <out>.rejects.jsonl)")
    .option("--allow-empty", "write empty outputs when no valid record is read (otherwise exit 2, leaving existing outputs unchanged)")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (files: string[], flags: { out: string; rejects?: string; allowEmpty?: boolean; json?: boolean }) => {
        const { mergeDatasets } = await import("../api/merge-datasets.js");
        const problems = problemPrinter();
        const summary = await mergeDatasets({ files, out: flags.out, rejects: flags.rejects, allowEmpty: flags.allowEmpty, onProblem: problems.print });
        problems.finish(summary.rejects);
        say(
          `merge: read ${summary.read} = written ${summary.written} + identical duplicates ${summary.duplicates} + conflicts ${summary.conflicts} + rejected ${summary.rejected}`,
        );
        say(`by dataset: ${Object.entries(summary.by_dataset).map(([d, n]) => `${d || "(none)"} ${n}`).join(", ") || "none"}`);
        if (flags.json) printJson(summary);
        return summary.conflicts + summary.rejected > 0 ? 1 : 0;
      }),
    );

  data
    .command("sample")
    .description("A label-balanced subset: up to N random records per label (labels[0]), deterministic for a seed")
    .argument("<file>", "JSONL file")
    .requiredOption("--per-label <n>", "records per label")
    .addOption(seed)
    .requiredOption("--out <file>", "output JSONL")
    .option("--allow-empty", "write empty outputs when no valid record is read (otherwise exit 2, leaving existing outputs unchanged)")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (file: string, flags: { perLabel: string; seed?: string; out: string; allowEmpty?: boolean; json?: boolean }) => {
        const { sampleDataset } = await import("../api/sample-dataset.js");
        const seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
        const summary = await sampleDataset({ file, out: flags.out, perLabel: parsePositiveInt("--per-label", flags.perLabel)!, seed, allowEmpty: flags.allowEmpty, onProblem: sayProblem });
        for (const [label, counts] of Object.entries(summary.labels)) say(`${label}: kept ${counts.kept} of ${counts.seen}`);
        if (summary.short.length > 0) say(`warning: fewer than ${summary.per_label} records for ${summary.short.join(", ")} (all kept)`);
        say(`sample: read ${summary.read}, wrote ${summary.written} (unlabeled ${summary.unlabeled}, unreadable ${summary.rejected}) to ${summary.out}`);
        if (flags.json) printJson(summary);
        return summary.rejected > 0 ? 1 : 0;
      }),
    );
}

function convertOptions(flags: ConvertFlags): ConvertOptions {
  return {
    input: flags.input,
    images: flags.images,
    imageDirs: flags.imageDir && flags.imageDir.length > 0 ? parseImageDirs(flags.imageDir) : undefined,
    split: flags.split,
    delimiter: flags.delimiter === undefined ? undefined : parseDelimiter(flags.delimiter),
    question: flags.question,
    usageMap: flags.usageMap === undefined ? undefined : parsePairs("--usage-map", flags.usageMap),
    alignedSuffix: flags.alignedSuffix,
    crop: flags.crop,
    threshold: flags.threshold === undefined ? undefined : parseThreshold(flags.threshold),
    every: parsePositiveInt("--every", flags.every),
    aus: flags.aus === undefined ? undefined : parseAuList(flags.aus),
    imageTemplate: flags.imageTemplate,
    lateral: flags.lateral,
    normalizeLabels: flags.keepLabels ? false : undefined,
  };
}

function parsePairs(name: string, text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [key, value, ...rest] = part.split("=");
    if (!key?.trim() || !value?.trim() || rest.length > 0) throw new InvalidInputError(`${name}: expected KEY=VALUE pairs separated by commas, got "${part}"`);
    pairs[key.trim()] = value.trim();
  }
  return pairs;
}

function parseImageDirs(values: string[]): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) throw new InvalidInputError(`--image-dir: expected DATASET=DIR, got "${value}"`);
    dirs[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return dirs;
}

function parseDelimiter(text: string): string {
  const delimiter = text === "tab" || text === "\\t" ? "\t" : text;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n") throw new InvalidInputError(`--delimiter: expected one character (or "tab"), got "${text}"`);
  return delimiter;
}

function parseThreshold(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidInputError(`--threshold must be a number >= 0, got "${text}"`);
  return n;
}

function parseAuList(text: string): number[] {
  const aus = text.split(",").map((part) => part.trim().replace(/^AU/i, ""));
  const bad = aus.find((au) => !/^[1-9]\d*$/.test(au));
  if (bad !== undefined) throw new InvalidInputError(`--aus: expected AU numbers separated by commas (e.g. 1,2,4), got "${text}"`);
  return aus.map(Number);
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidInputError(`--seed must be an integer 0..4294967295, got "${text}"`);
  return n;
}

/** Prints the first problems as they come, then only counts them. */
function problemPrinter(): { print: (p: Problem) => void; finish: (rejects: string) => void } {
  let count = 0;
  return {
    print: (problem) => {
      count++;
      if (count <= SHOWN_PROBLEMS) sayProblem(problem);
    },
    finish: (rejects) => {
      if (count > SHOWN_PROBLEMS) say(`... and ${count - SHOWN_PROBLEMS} more problem(s)`);
      if (count > 0) say(`all ${count} problem(s) with the rejected lines: ${rejects}`);
    },
  };
}
