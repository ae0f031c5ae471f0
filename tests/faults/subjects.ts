import { jsonlOf, sampleJsonl } from "./corpus.js";
import type { Outcome, Subject } from "./harness.js";

/** Nothing valid to work on: exit 2, the one line names the file. */
const nothingValid = (message: RegExp): Outcome => ({ code: 2, message });
const unreadable: Outcome = { code: 2, message: /(in|train)\.jsonl:? .*cannot read: permission denied \(EACCES\)/ };
const EMPTY_REFUSED = /error: no .* in .*(the input is empty|line\(s\) is one)\); nothing written, existing outputs left unchanged/;

/** For data commands whose input can hold no valid record: one refusal for all bad inputs. */
function refusesAll(message: RegExp): Subject["inputFaults"] {
  return { empty: nothingValid(message), binary: nothingValid(message), "huge-line": nothingValid(message), "invalid-utf8": nothingValid(message), unreadable };
}

/** For YAML configs: `kind` is how the message names the config (`a run config`, ...). */
function configFaults(kind: string, prefix = "error: .*"): Subject["inputFaults"] {
  return {
    empty: nothingValid(new RegExp(`${prefix}in\\.yaml:1:1: ${kind} is a YAML mapping`)),
    binary: nothingValid(new RegExp(`${prefix}in\\.yaml:1: not UTF-8 text \\(${kind} must be UTF-8\\)`)),
    // A line of 16 MiB is one unknown key, listed with what else is missing.
    "huge-line": nothingValid(/in\.yaml:1:2: id: unknown key "id"/),
    "invalid-utf8": nothingValid(new RegExp(`${prefix}in\\.yaml:1: not UTF-8 text`)),
    unreadable: nothingValid(new RegExp(`${prefix}in\\.yaml: cannot read: permission denied \\(EACCES\\)`)),
  };
}

/** Commands that send each record to a server: a dataset with no valid record stops them before the first request. */
const SENDS_NOTHING = /error: no valid record in .*in\.jsonl \((the input is empty|none of its \d+ line\(s\) is one)\); nothing sent, existing outputs left unchanged$/;
/** Never contacted: the suite's inputs stop every command before its first request. */
const DEAD = "http://127.0.0.1:9/v1";

const GOOD = sampleJsonl(12);

const completions = jsonlOf(
  Array.from({ length: 8 }, (_, i) => ({ completion: "<think>AU6 and AU12 are active.</think><answer>happiness</answer>", AUs: ["AU6", "AU12"], labels: [i % 2 ? "happiness" : "sadness"] })),
);

/** Every command that reads a user file, with a valid input and what each bad input must give. */
export const SUBJECTS: Subject[] = [
  {
    name: "data validate --rejects",
    input: "in.jsonl",
    good: GOOD,
    output: "rejects.jsonl",
    reportsBadLines: true,
    args: ({ input, output }) => ["data", "validate", input, "--rejects", output],
    inputFaults: refusesAll(/error: no valid record was read/),
  },
  {
    name: "data validate --fix",
    input: "in.jsonl",
    good: GOOD,
    output: "in.fixed.jsonl",
    args: ({ input }) => ["data", "validate", input, "--fix"],
    inputFaults: refusesAll(/error: no valid record was read/),
  },
  {
    name: "data stats",
    input: "in.jsonl",
    good: GOOD,
    output: "config.json",
    previous: `${JSON.stringify({ "other.jsonl": { AUs: { AU1: 0.5 }, emotions: { sadness: 1 } } }, null, 2)}\n`,
    args: ({ input, output }) => ["data", "stats", input, "--out", output],
    inputFaults: refusesAll(/error: .*in\.jsonl: (no records \(empty file\)|none of the \d+ lines is a valid record)/),
  },
  {
    name: "data shard",
    input: "in.jsonl",
    good: GOOD,
    output: "shards",
    outputIsDir: true,
    args: ({ input, output }) => ["data", "shard", input, "--out", output, "--shards", "2"],
    inputFaults: refusesAll(EMPTY_REFUSED),
  },
  {
    name: "data split",
    input: "in.jsonl",
    good: GOOD,
    output: "splits",
    outputIsDir: true,
    args: ({ input, output }) => ["data", "split", input, "--out", output, "--ratios", "0.5,0.5"],
    inputFaults: refusesAll(EMPTY_REFUSED),
  },
  {
    name: "data merge",
    input: "in.jsonl",
    good: GOOD,
    output: "merged.jsonl",
    args: ({ input, output }) => ["data", "merge", input, "--out", output],
    inputFaults: refusesAll(EMPTY_REFUSED),
  },
  {
    name: "data sample",
    input: "in.jsonl",
    good: GOOD,
    output: "sample.jsonl",
    args: ({ input, output }) => ["data", "sample", input, "--per-label", "2", "--out", output],
    inputFaults: refusesAll(EMPTY_REFUSED),
  },
  {
    name: "data convert --from fea20k",
    input: "in.jsonl",
    good: GOOD,
    output: "converted.jsonl",
    args: ({ input, output, dir }) => ["data", "convert", "--from", "fea20k", "--input", input, "--images-out", `${dir}/images`, "--out", output, "--split", "test"],
    inputFaults: refusesAll(/error: .*in\.jsonl(:1)?: does not look like FEA-20K annotations/),
  },
  {
    name: "rewards score",
    input: "in.jsonl",
    good: completions,
    args: ({ input }) => ["rewards", "score", input, "--json"],
    inputFaults: {
      empty: { code: 0, message: /^0 lines: 0 scored, 0 invalid/ },
      binary: { code: 1, message: /in\.jsonl:1: invalid UTF-8/ },
      "huge-line": { code: 1, message: /in\.jsonl:1: line is .* over the 16\.0 MiB limit/ },
      "invalid-utf8": { code: 1, message: /in\.jsonl:1: invalid UTF-8/ },
      unreadable,
    },
  },
  {
    name: "rewards replay",
    input: "in.jsonl",
    good: completions,
    args: ({ input }) => ["rewards", "replay", input],
    inputFaults: refusesAll(/error: .*in\.jsonl: no completions found/),
  },
  {
    name: "eval score",
    input: "in.jsonl",
    good: GOOD,
    args: ({ input }) => ["eval", "score", "--dataset", input, "--predictions", input],
    inputFaults: refusesAll(/error: .*in\.jsonl: no valid records to score/),
  },
  {
    name: "config validate",
    input: "in.yaml",
    good: "name: x\n",
    args: ({ input }) => ["config", "validate", input],
    inputFaults: configFaults("a run config", ""),
  },
  {
    name: "preflight",
    input: "in.yaml",
    good: "name: x\n",
    args: ({ input }) => ["preflight", input],
    inputFaults: configFaults("a run config"),
  },
  {
    name: "plan",
    input: "in.yaml",
    good: "name: x\n",
    output: "bundle",
    outputIsDir: true,
    args: ({ input, output }) => ["plan", input, "--out", output],
    inputFaults: configFaults("a run config"),
  },
  {
    name: "loop validate",
    input: "in.yaml",
    good: "name: x\n",
    args: ({ input }) => ["loop", "validate", input],
    inputFaults: configFaults("a loop config", ""),
  },
  {
    name: "loop run",
    input: "in.yaml",
    good: "name: x\n",
    output: "loop",
    outputIsDir: true,
    args: ({ input, output }) => ["loop", "run", input, "--out", output],
    inputFaults: configFaults("a loop config"),
  },
  {
    name: "plugin build --config",
    input: "in.yaml",
    good: "weights: {format: 1}\n",
    output: "plugin",
    outputIsDir: true,
    args: ({ input, output }) => ["plugin", "build", "--target", "trl", "--out", output, "--config", input],
    inputFaults: configFaults("a reward config"),
  },
  {
    name: "rewards score --config",
    input: "in.yaml",
    good: "weights: {format: 1}\n",
    // The config is read first: the scored file is never reached.
    args: ({ input }) => ["rewards", "score", input, "--config", input],
    inputFaults: configFaults("a reward config"),
  },
  {
    name: "rewards serve --config",
    input: "in.yaml",
    good: "weights: {format: 1}\n",
    args: ({ input }) => ["rewards", "serve", "--config", input, "--port", "0"],
    inputFaults: configFaults("a reward config"),
  },
  {
    name: "launch --config",
    input: "in.yaml",
    good: "backend: local\n",
    args: ({ input, dir }) => ["launch", dir, "--config", input],
    inputFaults: configFaults("a launch config"),
  },
  {
    name: "eval report",
    input: "in.json",
    good: '{"protocol": "standard", "counts": {}}\n',
    output: "report",
    outputIsDir: true,
    args: ({ input, output }) => ["eval", "report", input, "--out", output],
    inputFaults: {
      empty: nothingValid(/error: .*in\.json: not JSON \(expected the output of eval score --json\): Unexpected end of JSON input$/),
      binary: nothingValid(/error: .*in\.json:1: not UTF-8 text \(expected the output of eval score --json\)$/),
      "huge-line": nothingValid(/error: .*in\.json: not an eval score result, no protocol or counts/),
      "invalid-utf8": nothingValid(/error: .*in\.json:1: not UTF-8 text/),
      unreadable: nothingValid(/error: .*in\.json: cannot read: permission denied \(EACCES\)/),
    },
  },
  {
    name: "eval infer",
    input: "in.jsonl",
    good: GOOD,
    output: "pred.jsonl",
    args: ({ input, output, dir }) => ["eval", "infer", "--dataset", input, "--images", dir, "--endpoint", DEAD, "--model", "m", "--out", output],
    inputFaults: refusesAll(SENDS_NOTHING),
  },
  {
    name: "eval judge",
    input: "in.jsonl",
    good: GOOD,
    output: "judge.jsonl",
    args: ({ input, output }) => ["eval", "judge", "--dataset", input, "--predictions", input, "--endpoint", DEAD, "--no-cache", "--out", output],
    inputFaults: refusesAll(SENDS_NOTHING),
  },
  {
    name: "synth",
    input: "in.jsonl",
    good: GOOD,
    output: "synth.jsonl",
    args: ({ input, output, dir }) => ["synth", "--dataset", input, "--images", dir, "--endpoint", DEAD, "--model", "m", "--out", output],
    inputFaults: refusesAll(SENDS_NOTHING),
  },
  {
    name: "hub push-dataset --dry-run",
    input: "train.jsonl",
    good: GOOD,
    args: ({ input }) => ["hub", "push-dataset", input, "--repo", "me/x", "--dry-run"],
    inputFaults: refusesAll(/error: none of the \d+ records is valid; nothing to push/),
  },
];
