import { test } from "node:test";
import assert from "node:assert/strict";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, imageBytes, put, readJsonlFile } from "./fixtures.js";

/** RAF-DB basic layout: EmoLabel/list_patition_label.txt and Image/aligned/<name>_aligned.jpg. */
async function rafdbFixture(dir: string): Promise<{ list: string; aligned: string }> {
  const list = join(dir, "basic", "EmoLabel", "list_patition_label.txt");
  const aligned = join(dir, "basic", "Image", "aligned");
  await put(
    list,
    [
      "train_00001.jpg 5",
      "train_00002.jpg 1",
      "train_00003.jpg 9", // unknown id
      "test_0001.jpg 4",
      "test_0002.jpg 7", // image missing
      "train_00004.jpg", // no label
      "",
      "test_0003.jpg 6",
    ].join("\n") + "\n",
  );
  const jpeg = await imageBytes();
  for (const name of ["train_00001", "train_00002", "train_00003", "test_0001", "test_0003", "train_00004"]) {
    await put(join(aligned, `${name}_aligned.jpg`), jpeg);
  }
  return { list, aligned };
}

test("rafdb: list file + aligned folder; unknown ids, short lines and missing images are rejected", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { list, aligned } = await rafdbFixture(dir);
    const out = join(dir, "rafdb.jsonl");
    const images = join(dir, "out-images");
    const { result, summary } = await convert(["--from", "rafdb", "--input", list, "--images", aligned, "--images-out", images, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.read, summary.converted, summary.rejected, summary.missing_images], [7, 4, 3, 1]);
    assert.match(result.stderr, new RegExp(`${list}:3: label: unknown expression id "9" \\(expected 1..7\\)`));
    assert.match(result.stderr, new RegExp(`${list}:6: expected "<image name> <id>"`));
    assert.match(result.stderr, new RegExp(`${list}:5: image: rafdb-test_0002: image not found: ${join(aligned, "test_0002_aligned.jpg")}`));
    assert.match(result.stderr, /1 image\(s\) missing/);

    const records = await readJsonlFile(out);
    assert.deepEqual(
      records.map((r) => [r.id, r.labels, r.image, (r.meta_info as { split: string }).split]),
      [
        ["rafdb-train_00001", ["sadness"], "train_00001_aligned.jpg", "train"],
        ["rafdb-train_00002", ["surprise"], "train_00002_aligned.jpg", "train"],
        ["rafdb-test_0001", ["happiness"], "test_0001_aligned.jpg", "test"],
        ["rafdb-test_0003", ["anger"], "test_0003_aligned.jpg", "test"],
      ],
    );
    assert.ok((await lstat(join(images, "test_0003_aligned.jpg"))).isFile(), "hard link by default: a real file in the output folder");
    await assertValid(out, images, 4);

    // Same input, run again with --split: the other split is dropped and counted; ids are stable.
    const again = await convert(["--from", "rafdb", "--input", list, "--images", aligned, "--images-out", images, "--out", join(dir, "test.jsonl"), "--split", "test"]);
    assert.ok(again.summary);
    assertCountsAddUp(again.summary);
    assert.equal(again.summary.dropped_by_reason["split train (not --split test)"], 2, "rows rejected for other reasons stay rejected");
    assert.deepEqual((await readJsonlFile(join(dir, "test.jsonl"))).map((r) => r.id), ["rafdb-test_0001", "rafdb-test_0003"]);
  } finally {
    await cleanup();
  }
});

test("rafdb: a file that is not a list file stops at its first line; --images is required", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const csv = join(dir, "labels.csv");
    await put(csv, "image,label\ntrain_00001.jpg,5\n");
    const wrong = await convert(["--from", "rafdb", "--input", csv, "--images", dir, "--images-out", join(dir, "o"), "--out", join(dir, "o.jsonl")]);
    assert.equal(wrong.result.code, 2);
    assert.match(wrong.result.stderr, /labels\.csv:1: does not look like a RAF-DB list file .*"image,label"/);
    const noImages = await convert(["--from", "rafdb", "--input", csv, "--images-out", join(dir, "o"), "--out", join(dir, "o.jsonl")]);
    assert.equal(noImages.result.code, 2);
    assert.match(noImages.result.stderr, /--from rafdb needs --images/);
  } finally {
    await cleanup();
  }
});
