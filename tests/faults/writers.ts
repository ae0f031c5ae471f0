import { join } from "node:path";

/**
 * The commands the output and stream faults are run against, each with arguments for a valid
 * input: those writing one file, those writing a folder, those printing --json, and those
 * streaming through temporary files (the ones a Ctrl-C can catch mid-write).
 */
export interface Writer {
  name: string;
  args: (input: string, output: string) => string[];
  /** What an earlier run left at the output (default PREVIOUS_OUTPUT). */
  previous?: string;
  /** Exit code on the suite's input (it holds one bad line). */
  code: number;
}

export const FILE_WRITERS: Writer[] = [
  { name: "data validate --rejects", code: 1, args: (input, output) => ["data", "validate", input, "--rejects", output] },
  { name: "data stats", code: 1, args: (input, output) => ["data", "stats", input, "--out", output], previous: `${JSON.stringify({ "other.jsonl": { AUs: {}, emotions: {} } })}\n` },
  { name: "data merge", code: 1, args: (input, output) => ["data", "merge", input, "--out", output, "--rejects", `${output}.rejects`] },
  { name: "data sample", code: 1, args: (input, output) => ["data", "sample", input, "--per-label", "2", "--out", output] },
];

export const DIR_WRITERS: Writer[] = [
  { name: "data shard", code: 1, args: (input, output) => ["data", "shard", input, "--out", output, "--shards", "2"] },
  { name: "data split", code: 1, args: (input, output) => ["data", "split", input, "--out", output, "--ratios", "0.5,0.5"] },
];

/** Where, inside a folder the command may not write, the output goes: an earlier output, or a new path. */
export type BlockedPlace = "existing output" | "new nested path";

/** How the folder is closed to writing. */
export type Blocker = "read-only file system (EROFS)" | "folder without write permission (EACCES)";

export type OutputFault = "device node" | "FIFO" | "symbolic link" | `${Blocker}, ${BlockedPlace}`;

const BLOCKED: OutputFault[] = (["read-only file system (EROFS)", "folder without write permission (EACCES)"] as const).flatMap((b) =>
  (["existing output", "new nested path"] as const).map((p): OutputFault => `${b}, ${p}`),
);

/** Every (writer, output fault) pair the output suite runs. */
export const OUTPUT_CASES: { writer: Writer; kind: "file" | "dir"; fault: OutputFault }[] = [
  ...FILE_WRITERS.flatMap((writer) => (["device node", "FIFO", "symbolic link", ...BLOCKED] as OutputFault[]).map((fault) => ({ writer, kind: "file" as const, fault }))),
  ...DIR_WRITERS.flatMap((writer) => (["device node", "symbolic link", ...BLOCKED] as OutputFault[]).map((fault) => ({ writer, kind: "dir" as const, fault }))),
];

/** Commands that print `--json` on stdout, given a valid input file and a work folder. */
export const PRINTERS: { name: string; args: (input: string, dir: string) => string[] }[] = [
  { name: "data validate", args: (input) => ["data", "validate", input, "--json"] },
  { name: "data stats", args: (input) => ["data", "stats", input, "--json"] },
  { name: "data shard", args: (input, dir) => ["data", "shard", input, "--out", join(dir, "shards"), "--shards", "2", "--json"] },
  { name: "data split", args: (input, dir) => ["data", "split", input, "--out", join(dir, "splits"), "--ratios", "0.5,0.5", "--json"] },
  { name: "data merge", args: (input, dir) => ["data", "merge", input, "--out", join(dir, "merged.jsonl"), "--json"] },
  { name: "data sample", args: (input, dir) => ["data", "sample", input, "--per-label", "2", "--out", join(dir, "sample.jsonl"), "--json"] },
  { name: "rewards score", args: (input) => ["rewards", "score", input, "--json"] },
  { name: "eval score", args: (input) => ["eval", "score", "--dataset", input, "--predictions", input, "--json"] },
];

export const STREAM_FAULTS = ["stdout closed (EPIPE)", "stdout full (ENOSPC)"] as const;

/** Commands that stream their output through temporary files, reading `input`. */
export const STREAMING_WRITERS: { name: string; args: (input: string, dir: string) => string[]; outputs: string[] }[] = [
  { name: "data validate --fix", args: (input) => ["data", "validate", input, "--fix"], outputs: ["in.fixed.jsonl"] },
  { name: "data merge", args: (input, dir) => ["data", "merge", input, "--out", join(dir, "merged.jsonl")], outputs: ["merged.jsonl"] },
  { name: "data shard", args: (input, dir) => ["data", "shard", input, "--out", join(dir, "shards"), "--shards", "2"], outputs: ["shards/manifest.json"] },
  { name: "data split", args: (input, dir) => ["data", "split", input, "--out", join(dir, "splits"), "--ratios", "0.5,0.5"], outputs: ["splits/manifest.json"] },
  {
    name: "data convert --from fea20k",
    args: (input, dir) => ["data", "convert", "--from", "fea20k", "--input", input, "--images-out", join(dir, "images"), "--out", join(dir, "converted.jsonl"), "--split", "test"],
    outputs: ["converted.jsonl", "images/.keep"],
  },
];
