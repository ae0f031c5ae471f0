import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, put, readJsonlFile } from "./fixtures.js";

function pixels(seed: number, count = 2304): number[] {
  return Array.from({ length: count }, (_, i) => (i * 7 + seed * 13) % 256);
}

/** fer2013.csv as distributed: header, `emotion,pixels,Usage`, pixels space-separated. */
function ferRow(emotion: string | number, px: number[], usage: string): string {
  return `${emotion},${px.join(" ")},${usage}`;
}

test("fer2013: good rows become PNGs and valid records; bad rows are rejected with file:line: column", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const csv = join(dir, "fer2013.csv");
    const lines = [
      "emotion,pixels,Usage",
      ferRow(0, pixels(1), "Training"), // row 1
      ferRow(3, pixels(2), "PublicTest"), // row 2
      ferRow(7, pixels(3), "Training"), // row 3: unknown id
      ferRow(4, pixels(4, 2000), "PrivateTest"), // row 4: short pixel string
      `6,"${pixels(5).join(" ")}",PrivateTest`, // row 5: quoted pixels, fine
      "5,1 2 3", // row 6: missing column
      ferRow(2, pixels(6), "Holdout"), // row 7: unknown Usage
      ferRow(1, pixels(7), "Training").slice(0, 900), // row 8: truncated last line, no newline
    ];
    await put(csv, lines.join("\n"));
    const out = join(dir, "fer.jsonl");
    const images = join(dir, "images");
    const { result, summary } = await convert(["--from", "fer2013", "--input", csv, "--images-out", images, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.read, summary.converted, summary.rejected, summary.dropped], [8, 3, 5, 0]);
    assert.deepEqual(summary.splits, { train: 1, val: 1, test: 1 });
    assert.match(result.stderr, new RegExp(`${csv}:4: emotion: unknown emotion id "7"`));
    assert.match(result.stderr, new RegExp(`${csv}:5: pixels: expected 2304 pixel values \\(48x48\\), got 2000`));
    assert.match(result.stderr, new RegExp(`${csv}:7: expected 3 columns, got 2`));
    assert.match(result.stderr, new RegExp(`${csv}:8: Usage: unknown Usage "Holdout"`));
    assert.match(result.stderr, /read 8 = converted 3 \+ rejected 5 \+ dropped 0/);

    const records = await readJsonlFile(out);
    assert.deepEqual(records.map((r) => r.id), ["fer2013-train-000001", "fer2013-val-000002", "fer2013-test-000005"]);
    assert.deepEqual(records.map((r) => r.labels), [["anger"], ["happiness"], ["neutral"]]);
    assert.deepEqual(records[2].meta_info, { source_file: "fer2013.csv", line: 6, row: 5, split: "test", usage: "PrivateTest", emotion_id: 6 });
    assert.equal(records[0].image, "train/fer2013-train-000001.png");

    // The PNG holds exactly the CSV's pixels.
    const { default: sharp } = await import("sharp");
    const png = join(images, "test/fer2013-test-000005.png");
    assert.equal((await sharp(png).metadata()).channels, 1, "grayscale PNG");
    const decoded = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([decoded.info.width, decoded.info.height], [48, 48]);
    assert.deepEqual([...decoded.data], pixels(5));

    const rejects = await readJsonlFile(join(dir, "fer.jsonl.rejects.jsonl"));
    assert.equal(rejects.length, 5);
    assert.deepEqual(rejects.map((r) => r.line), [4, 5, 7, 8, 9]);
    assert.ok(rejects.every((r) => typeof r.message === "string" && typeof r.raw === "string"));
    assert.equal(rejects[1].raw, lines[4]);

    await assertValid(out, images, 3);
  } finally {
    await cleanup();
  }
});

test("fer2013: --split keeps one split (others counted as dropped); --usage-map renames splits", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const csv = join(dir, "fer2013.csv");
    await put(csv, ["emotion,pixels,Usage", ferRow(0, pixels(1), "Training"), ferRow(1, pixels(2), "PrivateTest"), ferRow(2, pixels(3), "PublicTest")].join("\n") + "\n");
    const out = join(dir, "test.jsonl");
    const { result, summary } = await convert([
      "--from", "fer2013", "--input", csv, "--images-out", join(dir, "img"), "--out", out,
      "--split", "test", "--usage-map", "Training=train,PublicTest=test,PrivateTest=test",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.converted, summary.dropped], [2, 1]);
    assert.deepEqual(summary.dropped_by_reason, { "split train (not --split test)": 1 });
    assert.deepEqual((await readJsonlFile(out)).map((r) => r.id), ["fer2013-test-000002", "fer2013-test-000003"]);
  } finally {
    await cleanup();
  }
});

test("fer2013: a file in another layout stops with the offending line and exit 2", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const semicolons = join(dir, "semi.csv");
    await put(semicolons, `emotion;pixels;Usage\n0;${pixels(1).join(" ")};Training\n`);
    const out = join(dir, "x.jsonl");
    const wrong = await convert(["--from", "fer2013", "--input", semicolons, "--images-out", join(dir, "img"), "--out", out]);
    assert.equal(wrong.result.code, 2);
    assert.match(wrong.result.stderr, /semi\.csv:1: does not look like fer2013\.csv \(emotion,pixels,Usage\): header needs column\(s\) emotion, pixels, Usage; got "emotion;pixels;Usage"/);
    assert.match(wrong.result.stderr, /--delimiter ";"/);
    await assert.rejects(readFile(out), /ENOENT/, "no output on a format error");

    const fixed = await convert(["--from", "fer2013", "--input", semicolons, "--delimiter", ";", "--images-out", join(dir, "img"), "--out", out]);
    assert.equal(fixed.result.code, 0, fixed.result.stderr);
    assert.equal(fixed.summary?.converted, 1);

    const noUsage = join(dir, "two.csv");
    await put(noUsage, "emotion,pixels\n0,1 2 3\n");
    const missing = await convert(["--from", "fer2013", "--input", noUsage, "--images-out", join(dir, "img"), "--out", out]);
    assert.equal(missing.result.code, 2);
    assert.match(missing.result.stderr, /two\.csv:1: .*header needs column\(s\) Usage/);

    const unused = await convert(["--from", "fer2013", "--input", noUsage, "--crop", "--images-out", join(dir, "img"), "--out", out]);
    assert.equal(unused.result.code, 2);
    assert.match(unused.result.stderr, /--from fer2013 does not use --crop/);
  } finally {
    await cleanup();
  }
});
