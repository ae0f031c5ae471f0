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

const GOOD = sampleJsonl(12);

const completions = jsonlOf(
  Array.from({ length: 8 }, (_, i) => ({ completion: "<think>AU6 and AU12 are active.</think><answer>happiness</answer>", AUs: ["AU6", "AU12"], labels: [i % 2 ? "happiness" : "sadness"] })),
);

/** Every command that reads a user file, with a valid input and what each bad input must give. */
export const SUBJECTS: Subject[] = [
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
    inputFaults: {
      empty: nothingValid(/in\.yaml:1:1: a run config is a YAML mapping/),
      binary: nothingValid(/in\.yaml:1: not UTF-8 text/),
      "huge-line": nothingValid(/in\.yaml:1:2: id: unknown key "id"/),
      "invalid-utf8": nothingValid(/in\.yaml:1: not UTF-8 text/),
      unreadable: nothingValid(/in\.yaml: cannot read: permission denied \(EACCES\)/),
    },
  },
  {
    name: "hub push-dataset --dry-run",
    input: "train.jsonl",
    good: GOOD,
    args: ({ input }) => ["hub", "push-dataset", input, "--repo", "me/x", "--dry-run"],
    inputFaults: refusesAll(/error: none of the \d+ records is valid; nothing to push/),
  },
];
