import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { lstat, mkdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleJsonl } from "./corpus.js";
import { assertOutcome, isRoot, makeFifo, makeNullDevice, PREVIOUS_OUTPUT, runCli, snapshot, withInput } from "./harness.js";

/** Commands writing one output file, given a valid input: `args(input, output)`. */
const FILE_WRITERS: { name: string; args: (input: string, output: string) => string[]; previous?: string }[] = [
  { name: "data validate --rejects", args: (input, output) => ["data", "validate", input, "--rejects", output] },
  { name: "data stats", args: (input, output) => ["data", "stats", input, "--out", output], previous: `${JSON.stringify({ "other.jsonl": { AUs: {}, emotions: {} } })}\n` },
  { name: "data merge", args: (input, output) => ["data", "merge", input, "--out", output, "--rejects", `${output}.rejects`] },
  { name: "data sample", args: (input, output) => ["data", "sample", input, "--per-label", "2", "--out", output] },
];

/** Commands writing a folder of outputs. */
const DIR_WRITERS: { name: string; args: (input: string, output: string) => string[]; previous?: string }[] = [
  { name: "data shard", args: (input, output) => ["data", "shard", input, "--out", output, "--shards", "2"] },
  { name: "data split", args: (input, output) => ["data", "split", input, "--out", output, "--ratios", "0.5,0.5"] },
];

// One bad line, so `validate --rejects` has something to write.
const INPUT = `${sampleJsonl(6)}not json\n`;
const exitOf = (name: string) => (name === "data stats" || name.startsWith("data validate") || name === "data merge" || name === "data sample" ? 1 : 0);

function work(fn: (dir: string, input: string) => Promise<void>): Promise<void> {
  return withInput(INPUT, fn);
}

for (const writer of FILE_WRITERS) {
  test(`${writer.name}: a device node as output is written through and stays a device`, async (t) => {
    await work(async (dir, input) => {
      const device = join(dir, "null");
      const why = makeNullDevice(device);
      if (why) return t.skip(why);
      const result = await runCli(writer.args(input, device), { cwd: dir });
      assert.equal(result.code, exitOf(writer.name), result.stderr);
      assert.ok((await lstat(device)).isCharacterDevice(), "the device node was replaced");
      assert.equal(await readFile(input, "utf8"), INPUT);
    });
  });

  test(`${writer.name}: a FIFO as output is written through to its reader and stays a FIFO`, async () => {
    await work(async (dir, input) => {
      const fifo = join(dir, "fifo");
      makeFifo(fifo);
      const chunks: Buffer[] = [];
      const reader = new Promise<void>((resolve, reject) => {
        createReadStream(fifo).on("data", (c) => chunks.push(c as Buffer)).on("end", resolve).on("error", reject);
      });
      const result = await runCli(writer.args(input, fifo), { cwd: dir });
      await reader;
      assert.equal(result.code, exitOf(writer.name), result.stderr);
      assert.ok((await lstat(fifo)).isFIFO(), "the FIFO was replaced");
      assert.ok(Buffer.concat(chunks).length > 0, "the reader got nothing");
    });
  });

  test(`${writer.name}: through a symbolic link the target is updated and the link stays`, async () => {
    await work(async (dir, input) => {
      const target = join(dir, "real-output");
      const link = join(dir, "link");
      const previous = writer.previous ?? PREVIOUS_OUTPUT;
      await writeFile(target, previous);
      await symlink("real-output", link);
      const result = await runCli(writer.args(input, link), { cwd: dir });
      assert.equal(result.code, exitOf(writer.name), result.stderr);
      assert.equal(await readlink(link), "real-output", "the link was replaced");
      const written = await readFile(target, "utf8");
      assert.notEqual(written, previous, "the link's target was not updated");
      assert.ok(written.length > 0);
    });
  });
}

for (const writer of DIR_WRITERS) {
  test(`${writer.name}: through a symbolic link to a folder the outputs land in it and the link stays`, async () => {
    await work(async (dir, input) => {
      await mkdir(join(dir, "real"));
      await symlink("real", join(dir, "link"));
      const result = await runCli(writer.args(input, join(dir, "link")), { cwd: dir });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(await readlink(join(dir, "link")), "real");
      assert.ok((await readFile(join(dir, "real", "manifest.json"), "utf8")).length > 0);
    });
  });

  test(`${writer.name}: a device node as the output folder is refused with one line`, async (t) => {
    await work(async (dir, input) => {
      const device = join(dir, "null");
      const why = makeNullDevice(device);
      if (why) return t.skip(why);
      const before = await snapshot(dir);
      const result = await runCli(writer.args(input, device), { cwd: dir });
      assertOutcome(result, { code: 2, message: /^error: .*null: exists and is not a folder/ }, writer.name);
      assert.deepEqual(await snapshot(dir), before);
    });
  });
}

/** A read-only file system (a tmpfs remounted read-only) holding an earlier output, or why there is none. */
async function readOnlyFolder(dir: string, previous: string): Promise<{ path: string; release: () => Promise<void> } | string> {
  if (!isRoot) return "mounting a read-only file system needs root";
  const path = join(dir, "ro");
  await mkdir(path);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", path], { stdio: "ignore" });
  } catch {
    return "mount is not permitted here";
  }
  await writeFile(join(path, "out.jsonl"), previous);
  await mkdir(join(path, "outdir"));
  await writeFile(join(path, "outdir", "manifest.json"), PREVIOUS_OUTPUT);
  execFileSync("mount", ["-o", "remount,ro", path]);
  return {
    path,
    release: async () => {
      execFileSync("umount", [path]);
    },
  };
}

for (const writer of [...FILE_WRITERS, ...DIR_WRITERS]) {
  for (const where of ["out.jsonl", "outdir", "new/deeper/out"]) {
    if (where === "outdir" && FILE_WRITERS.includes(writer)) continue;
    if (where === "out.jsonl" && DIR_WRITERS.includes(writer)) continue;
    test(`${writer.name}: output ${where} on a read-only file system: plain words, exit 1, the earlier output kept`, async (t) => {
      await work(async (dir, input) => {
        const ro = await readOnlyFolder(dir, writer.previous ?? PREVIOUS_OUTPUT);
        if (typeof ro === "string") return t.skip(ro);
        try {
          const before = await snapshot(dir);
          const result = await runCli(writer.args(input, join(ro.path, where)), { cwd: dir });
          assertOutcome(result, { code: 1, message: /^error: .*ro\/\S+: cannot [a-z ]+: the file system is read-only \(EROFS\)$/ }, writer.name);
          assert.doesNotMatch(result.stderr, /ENOENT/);
          assert.deepEqual(await snapshot(dir), before);
        } finally {
          await ro.release();
        }
      });
    });
  }
}

