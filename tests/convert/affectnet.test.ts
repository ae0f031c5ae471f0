import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, imageBytes, put, readJsonlFile } from "./fixtures.js";

const HEADER = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal";

/** AffectNet layout: Manually_Annotated_file_lists/training.csv and Manually_Annotated_Images/<dir>/<file>. */
async function affectnetFixture(dir: string): Promise<{ csv: string; images: string }> {
  const csv = join(dir, "Manually_Annotated_file_lists", "training.csv");
  const images = join(dir, "Manually_Annotated_Images");
  await put(
    csv,
    [
      HEADER,
      "1/aa.jpg,5,4,20,16,1.0;2.0;3.0,1,0.7,0.2",
      '1/bb.jpg,0,0,40,30,"1.5,2.5;3.5",7,-0.5,0.4',
      "2/cc.jpg,0,0,40,30,1;2,8,0,0", // none: dropped
      "2/dd.jpg,0,0,40,30,1;2,9,0,0", // uncertain: dropped
      "2/ee.jpg,0,0,40,30,1;2,10,-2,-2", // no-face: dropped
      "2/ff.jpg,0,0,40,30,1;2,11,0,0", // unknown id: rejected
      "2/gg.jpg,0,0,40,30,1;2,x,0,0", // not a number: rejected
      "2/hh.jpg,0,0,40,30,1;2,3,0", // a column short: rejected
      "3/ii.jpg,1,1,-4,10,1;2,2,0,0", // negative width: rejected only with --crop
    ].join("\n") + "\n",
  );
  const jpeg = await imageBytes(40, 30);
  for (const name of ["1/aa.jpg", "1/bb.jpg", "3/ii.jpg"]) await put(join(images, name), jpeg);
  return { csv, images };
}

test("affectnet: ids 8..10 dropped and counted, unknown ids and short rows rejected, split from the file name", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { csv, images } = await affectnetFixture(dir);
    const out = join(dir, "affectnet.jsonl");
    const imagesOut = join(dir, "img");
    const { result, summary } = await convert(["--from", "affectnet", "--input", csv, "--images", images, "--images-out", imagesOut, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.read, summary.converted, summary.rejected, summary.dropped], [9, 3, 3, 3]);
    assert.deepEqual(summary.dropped_by_reason, { "expression 8 (none)": 1, "expression 9 (uncertain)": 1, "expression 10 (no-face)": 1 });
    assert.match(result.stderr, new RegExp(`${csv}:7: expression: unknown expression id "11" \\(expected 0..10\\)`));
    assert.match(result.stderr, new RegExp(`${csv}:8: expression: unknown expression id "x"`));
    assert.match(result.stderr, new RegExp(`${csv}:9: expected 9 columns, got 8`));
    assert.match(result.stderr, /dropped 3 \(1 expression 8 \(none\); 1 expression 9 \(uncertain\); 1 expression 10 \(no-face\)\)/);
    const records = await readJsonlFile(out);
    assert.deepEqual(
      records.map((r) => [r.id, r.labels, r.image, (r.meta_info as { split: string }).split]),
      [
        ["affectnet-1-aa", ["happiness"], "1/aa.jpg", "train"],
        ["affectnet-1-bb", ["contempt"], "1/bb.jpg", "train"],
        ["affectnet-3-ii", ["sadness"], "3/ii.jpg", "train"],
      ],
    );
    await assertValid(out, imagesOut, 3);
  } finally {
    await cleanup();
  }
});

test("affectnet --crop: each image is cut to its face box; an unusable box is rejected", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { csv, images } = await affectnetFixture(dir);
    const out = join(dir, "crop.jsonl");
    const imagesOut = join(dir, "crops");
    const { result, summary } = await convert(["--from", "affectnet", "--input", csv, "--images", images, "--images-out", imagesOut, "--out", out, "--crop", "--split", "test"]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.converted, summary.rejected], [2, 4]);
    assert.match(result.stderr, new RegExp(`${csv}:10: face_width: not a usable face box value: "-4"`));
    const { default: sharp } = await import("sharp");
    const meta = await sharp(join(imagesOut, "1/aa.jpg")).metadata();
    assert.deepEqual([meta.width, meta.height, meta.format], [20, 16, "jpeg"]);
    const records = await readJsonlFile(out);
    assert.deepEqual(records[0].meta_info, { source_file: "training.csv", line: 2, split: "test", source_image: "1/aa.jpg", emotion_id: 1, face_box: { left: 5, top: 4, width: 20, height: 16 } });
    await assertValid(out, imagesOut, 2);
  } finally {
    await cleanup();
  }
});

test("affectnet: a CSV without the expression column stops with the header line", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const csv = join(dir, "validation.csv");
    await put(csv, "subDirectory_filePath,face_x\n1/a.jpg,3\n");
    const { result } = await convert(["--from", "affectnet", "--input", csv, "--images", dir, "--images-out", join(dir, "o"), "--out", join(dir, "o.jsonl")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /validation\.csv:1: does not look like an AffectNet CSV: header needs column\(s\) expression; got "subDirectory_filePath,face_x"/);
  } finally {
    await cleanup();
  }
});
