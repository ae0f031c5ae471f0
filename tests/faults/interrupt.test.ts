import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, open, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sampleJsonl } from "./corpus.js";
import { makeFifo, PREVIOUS_OUTPUT, snapshot, startCli } from "./harness.js";
import { tempDir } from "../helpers/cli.js";
import { STREAMING_WRITERS } from "./writers.js";

const RECORDS = sampleJsonl(400);

async function temporaries(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((name) => /\.tmp$/.test(name));
}

/**
 * Feeds `fifo` to the command: each time the command opens it, all records are written;
 * while the command holds some temporary output open, the FIFO is kept open (so the command
 * waits for more input, mid-write) and `signal` is sent. Returns once the signal went out.
 */
async function feedAndSignal(fifo: string, dir: string, run: ReturnType<typeof startCli>, send: () => void): Promise<void> {
  let exited = false;
  void run.result.then(() => (exited = true));
  for (let pass = 0; pass < 5 && !exited; pass++) {
    // Opening a FIFO for writing waits for its reader: give up if the command has ended.
    const handle = await Promise.race([open(fifo, "w"), run.result.then(async (r) => Promise.reject(new Error(`the command ended first: ${r.stderr}`)))]);
    // A reader that only peeks at the start closes early: the rest of the write fails (EPIPE).
    const fed = await handle.write(RECORDS).then(
      () => true,
      () => false,
    );
    if (!fed) {
      await handle.close();
      continue;
    }
    // Wait, without a deadline on the outcome, for the command to write what it read.
    for (let i = 0; i < 100 && (await temporaries(dir)).length === 0; i++) await sleep(20);
    if ((await temporaries(dir)).length > 0) {
      send();
      await handle.close();
      return;
    }
    await handle.close();
  }
  throw new Error("the command never wrote a temporary file");
}

for (const writer of STREAMING_WRITERS) {
  test(`${writer.name}: Ctrl-C mid-write removes the temporary files, exit 130, earlier outputs kept`, async () => {
    const { dir, cleanup } = await tempDir("facial-r1-fault-");
    try {
      const input = join(dir, "in.jsonl");
      makeFifo(input);
      for (const output of writer.outputs) {
        const path = join(dir, output);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, PREVIOUS_OUTPUT);
      }
      const before = await snapshot(dir);
      const run = startCli(writer.args(input, dir), { cwd: dir });
      await feedAndSignal(input, dir, run, () => run.child.kill("SIGINT"));
      const result = await run.result;
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /^interrupted \(SIGINT\); removed \d+ unfinished temporary file\(s\)$/m);
      assert.deepEqual(await snapshot(dir), before, "the work folder changed");
    } finally {
      await cleanup();
    }
  });
}

test("temporary files of a killed run are removed by the next run; others' files are not", async () => {
  const { dir, cleanup } = await tempDir("facial-r1-fault-");
  try {
    const input = join(dir, "in.jsonl");
    makeFifo(input);
    const shards = join(dir, "shards");
    const args = ["data", "shard", input, "--out", shards, "--shards", "2"];
    const killed = startCli(args, { cwd: dir });
    await feedAndSignal(input, dir, killed, () => killed.child.kill("SIGKILL"));
    await killed.result;
    const left = await temporaries(shards);
    assert.ok(left.length > 0, "a killed run leaves its temporary files");
    // Not ours to remove: other names, and a temporary of a process that runs (this one).
    const keep = [".notes.tmp", "shard-00000-of-00002.jsonl.bak", `.shard-00000-of-00002.jsonl.${process.pid}.0123abcd.tmp`];
    for (const name of keep) await writeFile(join(shards, name), "keep\n");
    await writeFile(input.replace("in.jsonl", "good.jsonl"), RECORDS);
    const rerun = await startCli(["data", "shard", join(dir, "good.jsonl"), "--out", shards, "--shards", "2"], { cwd: dir }).result;
    assert.equal(rerun.code, 0, rerun.stderr);
    const names = await readdir(shards);
    for (const name of left) assert.ok(!names.includes(name), `${name} was not swept`);
    for (const name of keep) assert.ok(names.includes(name), `${name} was removed`);
  } finally {
    await cleanup();
  }
});
