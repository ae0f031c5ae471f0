import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleJsonl } from "./corpus.js";
import { assertOutcome, closeSync, openDevFull, snapshot, startCli, withInput } from "./harness.js";
import { PRINTERS } from "./writers.js";

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
