import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { chmod, lstat, mkdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleJsonl } from "./corpus.js";
import { assertOutcome, isRoot, makeFifo, makeNullDevice, NOBODY, PREVIOUS_OUTPUT, runCli, snapshot, withInput } from "./harness.js";
import { OUTPUT_CASES, type OutputFault, type Writer } from "./writers.js";

// One bad line, so `validate --rejects` has something to write.
const INPUT = `${sampleJsonl(6)}not json\n`;

function work(fn: (dir: string, input: string) => Promise<void>): Promise<void> {
  return withInput(INPUT, fn);
}

/** A device node as the output file is written through and stays a device. */
async function deviceFile(t: TestContext, writer: Writer): Promise<void> {
  await work(async (dir, input) => {
    const device = join(dir, "null");
    const why = makeNullDevice(device);
    if (why) return t.skip(why);
    const result = await runCli(writer.args(input, device), { cwd: dir });
    assert.equal(result.code, writer.code, result.stderr);
    assert.ok((await lstat(device)).isCharacterDevice(), "the device node was replaced");
    assert.equal(await readFile(input, "utf8"), INPUT);
  });
}

/** A FIFO as the output file is written through to its reader and stays a FIFO. */
async function fifoFile(_t: TestContext, writer: Writer): Promise<void> {
  await work(async (dir, input) => {
    const fifo = join(dir, "fifo");
    makeFifo(fifo);
    const chunks: Buffer[] = [];
    const reader = new Promise<void>((resolve, reject) => {
      createReadStream(fifo).on("data", (c) => chunks.push(c as Buffer)).on("end", resolve).on("error", reject);
    });
    const result = await runCli(writer.args(input, fifo), { cwd: dir });
    await reader;
    assert.equal(result.code, writer.code, result.stderr);
    assert.ok((await lstat(fifo)).isFIFO(), "the FIFO was replaced");
    assert.ok(Buffer.concat(chunks).length > 0, "the reader got nothing");
  });
}

/** Through a symbolic link the target is updated and the link stays. */
async function linkedFile(_t: TestContext, writer: Writer): Promise<void> {
  await work(async (dir, input) => {
    const target = join(dir, "real-output");
    const link = join(dir, "link");
    const previous = writer.previous ?? PREVIOUS_OUTPUT;
    await writeFile(target, previous);
    await symlink("real-output", link);
    const result = await runCli(writer.args(input, link), { cwd: dir });
    assert.equal(result.code, writer.code, result.stderr);
    assert.equal(await readlink(link), "real-output", "the link was replaced");
    const written = await readFile(target, "utf8");
    assert.notEqual(written, previous, "the link's target was not updated");
    assert.ok(written.length > 0);
  });
}

/** Through a symbolic link to a folder the outputs land in it and the link stays. */
async function linkedDir(_t: TestContext, writer: Writer): Promise<void> {
  await work(async (dir, input) => {
    await mkdir(join(dir, "real"));
    await symlink("real", join(dir, "link"));
    const result = await runCli(writer.args(input, join(dir, "link")), { cwd: dir });
    assert.equal(result.code, writer.code, result.stderr);
    assert.equal(await readlink(join(dir, "link")), "real");
    assert.ok((await readFile(join(dir, "real", "manifest.json"), "utf8")).length > 0);
  });
}

/** A device node as the output folder is refused with one line. */
async function deviceDir(t: TestContext, writer: Writer): Promise<void> {
  await work(async (dir, input) => {
    const device = join(dir, "null");
    const why = makeNullDevice(device);
    if (why) return t.skip(why);
    const before = await snapshot(dir);
    const result = await runCli(writer.args(input, device), { cwd: dir });
    assertOutcome(result, { code: 2, message: /^error: .*null: exists and is not a folder/ }, writer.name);
    assert.deepEqual(await snapshot(dir), before);
  });
}

interface Blocked {
  path: string;
  /** Whom the command runs as (to meet the folder's permissions). */
  user?: { uid: number; gid: number };
  release: () => Promise<void>;
}

/** A folder holding an earlier output (`out.jsonl`, `outdir/manifest.json`) that the command may not write, or why there is none. */
async function blockedFolder(dir: string, previous: string, how: "EROFS" | "EACCES"): Promise<Blocked | string> {
  const path = join(dir, "blocked");
  await mkdir(path);
  const fill = async () => {
    await writeFile(join(path, "out.jsonl"), previous);
    await mkdir(join(path, "outdir"));
    await writeFile(join(path, "outdir", "manifest.json"), PREVIOUS_OUTPUT);
  };
  if (how === "EACCES") {
    // Owned by the one running the tests, closed to others; root then runs the command as nobody.
    await fill();
    await chmod(dir, 0o755);
    for (const folder of [path, join(path, "outdir")]) await chmod(folder, 0o555);
    if (!isRoot) return { path, release: () => chmod(path, 0o755) };
    return { path, user: { uid: NOBODY, gid: NOBODY }, release: () => chmod(path, 0o755) };
  }
  if (!isRoot) return "mounting a read-only file system needs root";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", path], { stdio: "ignore" });
  } catch {
    return "mount is not permitted here";
  }
  await fill();
  execFileSync("mount", ["-o", "remount,ro", path]);
  return { path, release: async () => void execFileSync("umount", [path]) };
}

/** Output in a folder the command may not write: plain words naming the output, exit 1, the earlier output kept. */
function blocked(how: "EROFS" | "EACCES", place: "existing output" | "new nested path") {
  const words = how === "EROFS" ? "the file system is read-only" : "permission denied";
  return async (t: TestContext, writer: Writer, kind: "file" | "dir"): Promise<void> => {
    await work(async (dir, input) => {
      const folder = await blockedFolder(dir, writer.previous ?? PREVIOUS_OUTPUT, how);
      if (typeof folder === "string") return t.skip(folder);
      try {
        const where = place === "new nested path" ? "new/deeper/out" : kind === "file" ? "out.jsonl" : "outdir";
        const before = await snapshot(dir);
        const result = await runCli(writer.args(input, join(folder.path, where)), { cwd: dir, ...folder.user });
        // The path named is the user's (or a folder on the way to it), never a temporary's.
        const message = new RegExp(`^error: .*blocked(/(new|out\\S*))?: cannot [a-z ]+: ${words} \\(${how}\\)$`);
        assertOutcome(result, { code: 1, message }, writer.name);
        assert.doesNotMatch(result.stderr, /ENOENT|\.tmp\b/);
        assert.deepEqual(await snapshot(dir), before);
      } finally {
        await folder.release();
      }
    });
  };
}

const CHECKS: Record<OutputFault, (t: TestContext, writer: Writer, kind: "file" | "dir") => Promise<void>> = {
  "device node": (t, writer, kind) => (kind === "file" ? deviceFile(t, writer) : deviceDir(t, writer)),
  FIFO: fifoFile,
  "symbolic link": (t, writer, kind) => (kind === "file" ? linkedFile(t, writer) : linkedDir(t, writer)),
  "read-only file system (EROFS), existing output": blocked("EROFS", "existing output"),
  "read-only file system (EROFS), new nested path": blocked("EROFS", "new nested path"),
  "folder without write permission (EACCES), existing output": blocked("EACCES", "existing output"),
  "folder without write permission (EACCES), new nested path": blocked("EACCES", "new nested path"),
};

for (const { writer, kind, fault } of OUTPUT_CASES) {
  test(`${writer.name}: output ${kind === "dir" ? "folder" : "file"} is a ${fault}: nothing clobbered`, (t) => CHECKS[fault](t, writer, kind));
}
