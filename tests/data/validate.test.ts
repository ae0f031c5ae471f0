import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fixedPathFor, validateFiles } from "../../src/data/validate.js";
import { encodePng } from "../../src/util/png.js";
import { formatProblem, type Problem } from "../../src/util/errors.js";
import { runCli, tempDir } from "../helpers/cli.js";

function record(id: string | number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, dataset: "rafdb", image: `${id}.png`, question: "What emotion?", AUs: ["AU6", "AU12"], labels: ["happiness"], ...overrides };
}

function jsonl(...lines: (Record<string, unknown> | string)[]): string {
  return lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

async function readJsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("every bad line is rejected with file, line and reason; valid ones pass; counts add up", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    await writeFile(
      a,
      Buffer.concat([
        Buffer.from(
          `${jsonl(
            record("r1"),
            "{not json",
            record("r2", { question: 7 }),
            record("r3", { extra: true }),
            { id: "r4", dataset: "rafdb" },
          )}\n\n`,
        ),
        Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
        Buffer.from(jsonl(record("r5"), '{"id": "r6", "dataset"')),
      ]),
    );
    const problems: Problem[] = [];
    const rejects = join(dir, "rejects.jsonl");
    const report = await validateFiles({ files: [a], rejectsPath: rejects, onProblem: (p) => problems.push(p), progress: false });
    assert.deepEqual(report.total, { read: 8, valid: 3, rejected: 5, warnings: 1, fixed: 0, errors: 8 });
    assert.equal(report.exitCode, 1);
    assert.deepEqual(
      // The JSON parser's own wording differs between Node versions.
      problems.map((p) => `${p.severity} ${formatProblem(p).replace(`${dir}/`, "").replace(/invalid JSON: .*/, "invalid JSON: ...")}`),
      [
        "error a.jsonl:2: invalid JSON: ...",
        "error a.jsonl:3: question: expected string, got the number 7",
        "warning a.jsonl:4: extra: unknown field (kept)",
        "error a.jsonl:5: image: required field is missing (expected a non-empty string or a non-empty list of non-empty strings)",
        "error a.jsonl:5: question: required field is missing (expected string)",
        "error a.jsonl:5: AUs: required field is missing (expected array)",
        "error a.jsonl:5: labels: required field is missing (expected array)",
        "error a.jsonl:7: invalid UTF-8 at byte 2 of the line",
        "error a.jsonl:9: invalid JSON: ...",
      ],
    );
    const lines = await readJsonLines(rejects);
    assert.deepEqual(
      lines.map((l) => [l.line, l.text ?? l.raw_base64]),
      [
        [2, "{not json"],
        [3, JSON.stringify(record("r2", { question: 7 }))],
        [5, '{"id":"r4","dataset":"rafdb"}'],
        [7, Buffer.from([0x7b, 0xff, 0x7d]).toString("base64")],
        [9, '{"id": "r6", "dataset"'],
      ],
    );
    assert.equal(lines[0].file, a);
    assert.deepEqual(lines[1].reasons, [`${a}:3: question: expected string, got the number 7`]);
  });
});

test("duplicate ids are found across files and point at the first occurrence", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    await writeFile(a, jsonl(record("x"), record(7), record("y")));
    await writeFile(b, jsonl(record("z"), record("x"), record("7"), record("y", { question: 1 })));
    const problems: string[] = [];
    const report = await validateFiles({ files: [a, b], onProblem: (p) => problems.push(formatProblem(p)), progress: false });
    assert.deepEqual(problems, [
      `${b}:2: id: duplicate id "x" (first seen at ${a}:1)`,
      `${b}:3: id: duplicate id "7" (first seen at ${a}:2)`,
      `${b}:4: question: expected string, got the number 1`,
    ]);
    assert.deepEqual(
      report.files.map((f) => [f.read, f.valid, f.rejected]),
      [
        [3, 3, 0],
        [4, 1, 3],
      ],
    );
  });
});

test("many distinct ids are never mistaken for duplicates", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    const n = 30_000;
    await writeFile(a, Array.from({ length: n }, (_, i) => JSON.stringify(record(i % 2 ? `id-${i}` : i))).join("\n"));
    const report = await validateFiles({ files: [a], progress: false });
    assert.deepEqual([report.total.valid, report.total.rejected], [n, 0]);
  });
});

test("exit codes: 0 all valid, 2 nothing valid, 2 with --strict on a warning, 2 for an unreadable input", async () => {
  await inTemp(async (dir) => {
    const good = join(dir, "good.jsonl");
    const warn = join(dir, "warn.jsonl");
    const empty = join(dir, "empty.jsonl");
    const bad = join(dir, "bad.jsonl");
    await writeFile(good, jsonl(record("a")));
    await writeFile(warn, jsonl(record("b", { labels: ["Happy"] })));
    await writeFile(empty, "");
    await writeFile(bad, "nope\n");
    const code = async (files: string[], strict = false) => (await validateFiles({ files, strict, progress: false })).exitCode;
    assert.equal(await code([good]), 0);
    assert.equal(await code([warn]), 0);
    assert.equal(await code([warn], true), 2);
    assert.equal(await code([good], true), 0);
    assert.equal(await code([empty]), 2);
    assert.equal(await code([bad]), 2);
    assert.equal(await code([good, bad]), 1);
    const report = await validateFiles({ files: [good, dir, join(dir, "missing.jsonl")], progress: false });
    assert.equal(report.exitCode, 2);
    assert.deepEqual(
      report.files.map((f) => f.error),
      [undefined, "is a directory, expected a JSONL file", "no such file"],
    );
    assert.equal(report.total.valid, 1, "the readable file is still validated");
  });
});

test("a 20 MiB line is rejected by size and the records around it are kept", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    const huge = JSON.stringify(record("big", { description: "x".repeat(20 * 1024 * 1024) }));
    await writeFile(a, `${JSON.stringify(record("before"))}\n${huge}\n${JSON.stringify(record("after"))}`);
    const problems: string[] = [];
    const rejects = join(dir, "rejects.jsonl");
    const report = await validateFiles({ files: [a], rejectsPath: rejects, onProblem: (p) => problems.push(formatProblem(p)), progress: false });
    assert.deepEqual([report.total.read, report.total.valid, report.total.rejected], [3, 2, 1]);
    assert.deepEqual(problems, [`${a}:2: line is 20.0 MiB, over the 16.0 MiB limit`]);
    const [line] = await readJsonLines(rejects);
    assert.equal(line.bytes, huge.length);
    assert.equal(line.text, undefined);
  });
});

test("--fix writes the valid records, fixed, next to the input and leaves the input alone", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "train.jsonl");
    const original = jsonl(record("a"), record("b", { AUs: ["au6", "AU012"], labels: ["happy"] }), record("c", { AUs: ["nose"] }));
    await writeFile(a, original);
    const report = await validateFiles({ files: [a], fix: true, progress: false });
    assert.equal(fixedPathFor(a), join(dir, "train.fixed.jsonl"));
    assert.equal(report.files[0].fixedPath, join(dir, "train.fixed.jsonl"));
    assert.deepEqual([report.total.valid, report.total.rejected, report.total.fixed], [2, 1, 1]);
    assert.equal(await readFile(a, "utf8"), original);
    const fixed = (await readFile(join(dir, "train.fixed.jsonl"), "utf8")).split("\n");
    assert.deepEqual(fixed, [JSON.stringify(record("a")), JSON.stringify(record("b", { AUs: ["AU6", "AU12"], labels: ["happiness"] })), ""]);
    await assert.rejects(validateFiles({ files: [a], rejectsPath: a }), /must not be one of the input files/);
    await assert.rejects(validateFiles({ files: [a, join(dir, "train.fixed.jsonl")], fix: true }), /also an input file/);
  });
});

test("--images: missing, zero-byte, corrupt and escaping images reject their record", async () => {
  await inTemp(async (dir) => {
    const images = join(dir, "images");
    await mkdir(join(images, "sub"), { recursive: true });
    await writeFile(join(images, "ok.png"), encodePng(8, 6, new Uint8Array(48)));
    await writeFile(join(images, "sub", "ok2.png"), encodePng(3, 9, new Uint8Array(27)));
    await writeFile(join(images, "zero.png"), "");
    await writeFile(join(images, "bad.png"), encodePng(8, 6, new Uint8Array(48)).subarray(0, 40));
    await writeFile(join(dir, "outside.png"), encodePng(2, 2, new Uint8Array(4)));
    await symlink(join(dir, "outside.png"), join(images, "link.png"));
    const a = join(dir, "a.jsonl");
    const cases = ["ok.png", ["ok.png", "sub/ok2.png"], "missing.png", "zero.png", "bad.png", "../outside.png", join(dir, "outside.png"), "link.png", ["ok.png", "zero.png"]];
    await writeFile(a, cases.map((image, i) => JSON.stringify(record(`r${i}`, { image }))).join("\n"));
    const problems: string[] = [];
    const imageReportPath = join(dir, "images.jsonl");
    const report = await validateFiles({
      files: [a],
      imagesDir: images,
      imageReportPath,
      onProblem: (p) => problems.push(formatProblem(p)),
      progress: false,
      imageConcurrency: 2,
    });
    assert.deepEqual([report.total.read, report.total.valid, report.total.rejected], [9, 2, 7]);
    assert.deepEqual(problems, [
      `${a}:3: image: missing.png: image file not found`,
      `${a}:4: image: zero.png: empty file (0 bytes)`,
      `${a}:5: image: bad.png: corrupt PNG: truncated: the file does not end with an IEND chunk`,
      `${a}:6: image: ../outside.png: path leaves the image folder (..)`,
      `${a}:7: image: ${join(dir, "outside.png")}: absolute path; image paths must be relative to the image folder`,
      `${a}:8: image: link.png: symbolic link leads outside the image folder`,
      `${a}:9: image[1]: zero.png: empty file (0 bytes)`,
    ]);
    assert.deepEqual(report.images, {
      checked: 11,
      ok: 4,
      failed: 7,
      problems: { missing: 1, empty: 2, corrupt: 1, outside: 3 },
      formats: { png: 4 },
      width: { min: 3, max: 8 },
      height: { min: 6, max: 9 },
    });
    const okPng = (await readFile(join(images, "ok.png"))).length;
    assert.deepEqual(await readJsonLines(imageReportPath), [
      { file: a, line: 1, image: "ok.png", format: "png", width: 8, height: 6, bytes: okPng },
      { file: a, line: 2, image: "ok.png", format: "png", width: 8, height: 6, bytes: okPng },
      { file: a, line: 2, image: "sub/ok2.png", format: "png", width: 3, height: 9, bytes: (await readFile(join(images, "sub", "ok2.png"))).length },
    ]);
    await assert.rejects(validateFiles({ files: [a], imagesDir: join(dir, "nope") }), /image folder not found/);
  });
});

test("images keep the output in input order even when many are in flight", async () => {
  await inTemp(async (dir) => {
    const images = join(dir, "images");
    await mkdir(images);
    const lines: string[] = [];
    for (let i = 0; i < 600; i++) {
      if (i % 7 !== 0) await writeFile(join(images, `${i}.png`), encodePng(1 + (i % 5), 1, new Uint8Array(1 + (i % 5))));
      lines.push(JSON.stringify(record(`r${i}`, { image: `${i}.png` })));
    }
    const a = join(dir, "a.jsonl");
    await writeFile(a, lines.join("\n"));
    const rejects = join(dir, "rejects.jsonl");
    const report = await validateFiles({ files: [a], imagesDir: images, fix: true, rejectsPath: rejects, progress: false });
    assert.equal(report.total.rejected, 86);
    const kept = (await readFile(fixedPathFor(a), "utf8")).split("\n").filter(Boolean);
    assert.deepEqual(kept, lines.filter((_, i) => i % 7 !== 0));
    assert.deepEqual(
      (await readJsonLines(rejects)).map((r) => r.line),
      lines.map((_, i) => i + 1).filter((n) => (n - 1) % 7 === 0),
    );
  });
});

test("CLI: problems and counts on stderr, the report as JSON on stdout, exit 1, no stack trace", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    await writeFile(a, jsonl(record("a"), record("b", { AUs: ["AU04"] }), "[1,2]", record("a")));
    const rejects = join(dir, "rejects.jsonl");
    const result = await runCli(["data", "validate", a, "--rejects", rejects, "--json"]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.total, { read: 4, valid: 1, rejected: 3, warnings: 0, fixed: 0, errors: 3 });
    assert.equal(report.exitCode, 1);
    assert.match(result.stderr, /a\.jsonl:2: AUs\[0\]: "AU04" must be written AU<n> without zeros or spaces \(fix: AU4\)/);
    assert.match(result.stderr, /a\.jsonl:3: a record must be a JSON object, got a list/);
    assert.match(result.stderr, /a\.jsonl:4: id: duplicate id "a" \(first seen at .*a\.jsonl:1\)/);
    assert.match(result.stderr, /read 4 = valid 1 \+ rejected 3/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal((await readJsonLines(rejects)).length, 3);
  });
});

test("CLI: an empty file, a directory and --strict exit 2 with one clear line each", async () => {
  await inTemp(async (dir) => {
    const empty = join(dir, "empty.jsonl");
    await writeFile(empty, "");
    const warn = join(dir, "warn.jsonl");
    await writeFile(warn, jsonl(record("w", { mood: "x" })));
    const emptyRun = await runCli(["data", "validate", empty, dir]);
    assert.equal(emptyRun.code, 2);
    assert.match(emptyRun.stderr, /empty\.jsonl: read 0 = valid 0 \+ rejected 0/);
    assert.match(emptyRun.stderr, /error: no valid record was read/);
    assert.match(emptyRun.stderr, new RegExp(`${dir}: is a directory, expected a JSONL file`));
    assert.doesNotMatch(emptyRun.stderr, /\n\s+at /);
    const strict = await runCli(["data", "validate", warn, "--strict", "--fix"]);
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /warning: .*warn\.jsonl:1: mood: unknown field \(kept\)/);
    assert.ok(existsSync(join(dir, "warn.fixed.jsonl")));
    const loose = await runCli(["data", "validate", warn]);
    assert.equal(loose.code, 0);
    const usage = await runCli(["data", "validate"]);
    assert.equal(usage.code, 2);
  });
});

test("CLI: --images and --image-report reach the checker; the summary names the problems", async () => {
  await inTemp(async (dir) => {
    const images = join(dir, "images");
    await mkdir(images);
    await writeFile(join(images, "ok.png"), encodePng(5, 4, new Uint8Array(20)));
    const a = join(dir, "a.jsonl");
    await writeFile(a, jsonl(record("ok"), record("gone")));
    const imageReport = join(dir, "image-report.jsonl");
    const result = await runCli(["data", "validate", a, "--images", images, "--image-report", imageReport]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /a\.jsonl:2: image: gone\.png: image file not found/);
    assert.match(result.stderr, /images: 2 checked, 1 ok, 1 failed \(missing 1\); png 1; 5\.\.5 x 4\.\.4 px/);
    assert.deepEqual((await readJsonLines(imageReport)).map((r) => [r.image, r.width, r.height]), [["ok.png", 5, 4]]);
  });
});

test("duplicate ids spilled past a tiny memory budget: same verdicts and first occurrences as in memory", async () => {
  await inTemp(async (dir) => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    // Every 11th record of a from line 500 on repeats the id 500 lines earlier; every 7th of b
    // repeats an id of a (not one of a's own repeats, whose ids are never first seen there).
    const aRepeats = (i: number) => i % 11 === 10 && i >= 500;
    const bRepeats = (i: number) => i % 7 === 6 && i % 11 !== 10;
    const aLines = Array.from({ length: 3000 }, (_, i) => record(aRepeats(i) ? `a${i - 500}` : `a${i}`));
    const bLines = Array.from({ length: 2000 }, (_, i) => record(bRepeats(i) ? `a${i}` : `b${i}`));
    await writeFile(a, jsonl(...aLines));
    await writeFile(b, jsonl(...bLines));
    const run = async (idMemoryBytes?: number) => {
      const problems: string[] = [];
      const rejectsPath = join(dir, `rejects-${idMemoryBytes ?? "default"}.jsonl`);
      const report = await validateFiles({ files: [a, b], rejectsPath, idMemoryBytes, onProblem: (p) => problems.push(formatProblem(p)), progress: false });
      return { problems, report, rejects: await readFile(rejectsPath, "utf8") };
    };
    const inMemory = await run();
    const spilled = await run(512);
    assert.ok(inMemory.problems.length > 300);
    assert.deepEqual(spilled.problems, inMemory.problems);
    assert.deepEqual(spilled.report.total, inMemory.report.total);
    assert.equal(spilled.rejects, inMemory.rejects);
    // Spot checks against the construction above.
    assert.ok(spilled.problems.includes(`${a}:506: id: duplicate id "a5" (first seen at ${a}:6)`));
    assert.ok(spilled.problems.includes(`${a}:2992: id: duplicate id "a2491" (first seen at ${a}:2492)`));
    assert.ok(spilled.problems.includes(`${b}:7: id: duplicate id "a6" (first seen at ${a}:7)`));
    assert.ok(spilled.problems.includes(`${b}:1995: id: duplicate id "a1994" (first seen at ${a}:1995)`));
    const expectedRepeats = aLines.filter((_, i) => aRepeats(i)).length + bLines.filter((_, i) => bRepeats(i)).length;
    assert.equal(spilled.report.total.rejected, expectedRepeats);
  });
});

test("CLI: FACIAL_R1_ID_MEMORY_BYTES forces the spilled path, and its temporary files are removed", async () => {
  await inTemp(async (dir) => {
    const tmp = join(dir, "tmp");
    await mkdir(tmp);
    const a = join(dir, "a.jsonl");
    await writeFile(a, jsonl(...Array.from({ length: 400 }, (_, i) => record(`r${i}`)), record("r3"), record("r399")));
    const result = await runCli(["data", "validate", a], { env: { FACIAL_R1_ID_MEMORY_BYTES: "512", TMPDIR: tmp } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /a\.jsonl:401: id: duplicate id "r3" \(first seen at .*a\.jsonl:4\)/);
    assert.match(result.stderr, /a\.jsonl:402: id: duplicate id "r399" \(first seen at .*a\.jsonl:400\)/);
    assert.deepEqual((await readdir(tmp)).filter((name) => name.startsWith("facial-r1-ids-")), []);
  });
});

test("--images: the rejects file keeps input order, image rejects among the others", async () => {
  await inTemp(async (dir) => {
    const images = join(dir, "images");
    await mkdir(images);
    await writeFile(join(images, "ok.png"), encodePng(2, 2, new Uint8Array(4)));
    const a = join(dir, "a.jsonl");
    await writeFile(a, jsonl(record("r1", { image: "missing.png" }), "not json", record("r3", { image: "ok.png" }), record("r4", { AUs: ["nose"], image: "ok.png" }), record("r5", { image: "gone.png" })));
    const rejectsPath = join(dir, "rejects.jsonl");
    await validateFiles({ files: [a], imagesDir: images, rejectsPath, progress: false });
    assert.deepEqual((await readJsonLines(rejectsPath)).map((r) => r.line), [1, 2, 4, 5]);
  });
});
