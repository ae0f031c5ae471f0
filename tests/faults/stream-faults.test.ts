import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { sampleJsonl } from "./corpus.js";
import { assertOutcome, closeSync, openDevFull, snapshot, startCli, withInput } from "./harness.js";

/** Commands that print `--json` on stdout, given a valid input file and a work folder. */
const PRINTERS: { name: string; args: (input: string, dir: string) => string[] }[] = [
  { name: "data validate", args: (input) => ["data", "validate", input, "--json"] },
  { name: "data stats", args: (input) => ["data", "stats", input, "--json"] },
  { name: "data shard", args: (input, dir) => ["data", "shard", input, "--out", join(dir, "shards"), "--shards", "2", "--json"] },
  { name: "data split", args: (input, dir) => ["data", "split", input, "--out", join(dir, "splits"), "--ratios", "0.5,0.5", "--json"] },
  { name: "data merge", args: (input, dir) => ["data", "merge", input, "--out", join(dir, "merged.jsonl"), "--json"] },
  { name: "data sample", args: (input, dir) => ["data", "sample", input, "--per-label", "2", "--out", join(dir, "sample.jsonl"), "--json"] },
  { name: "rewards score", args: (input) => ["rewards", "score", input, "--json"] },
  { name: "eval score", args: (input) => ["eval", "score", "--dataset", input, "--predictions", input, "--json"] },
];

const INPUT = sampleJsonl(40);

function work(fn: (dir: string, input: string) => Promise<void>): Promise<void> {
  return withInput(INPUT, fn);
}

for (const printer of PRINTERS) {
  test(`${printer.name} --json: stdout closed by its reader (EPIPE) ends quietly with exit 0`, async () => {
    await work(async (dir, input) => {
      const result = await startCli(printer.args(input, dir), { cwd: dir, stdout: "closed" }).result;
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /EPIPE|error|^\s+at /m);
      assert.deepEqual(Object.keys(await snapshot(dir)).filter((name) => name.endsWith(".tmp")), [], "temporary files left behind");
    });
  });

  test(`${printer.name} --json: stdout on a full device (ENOSPC) says so in one line, exit 1`, async () => {
    await work(async (dir, input) => {
      const full = openDevFull();
      try {
        const result = await startCli(printer.args(input, dir), { cwd: dir, stdout: full }).result;
        assertOutcome(result, { code: 1, message: /^error: cannot write to standard output: no space left on the device \(ENOSPC\)$/ }, printer.name);
      } finally {
        closeSync(full);
      }
    });
  });
}
