import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, imageBytes, put, readJsonlFile } from "./fixtures.js";

function fea(id: string, dataset: string, image: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    dataset,
    image,
    question: "Analyze the facial expression in the image.",
    AUs: ["AU1", "AU4"],
    labels: ["Sadness"],
    description: "The inner brows rise and draw together.",
    meta_info: { origin: dataset },
    ...extra,
  });
}

test("fea20k: images joined from each dataset's folder, missing ones listed, labels unified, ids kept", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const annotations = join(dir, "FEA-20K", "test.jsonl");
    await put(
      annotations,
      [
        fea("rafdb_test_0001", "rafdb", "test_0001_aligned.jpg"),
        fea("fer_17", "fer2013", "PrivateTest/17.png", { AUs: ["au12", "AU06"], labels: ["happy"] }),
        fea("rafdb_test_0404", "rafdb", "test_0404_aligned.jpg"), // image missing
        "{\"id\": \"broken\",", // not JSON
        fea("x_1", "affectnet", "1/a.jpg"), // no folder given for affectnet
        fea("rafdb_escape", "rafdb", "../outside.jpg"),
        fea("rafdb_odd", "rafdb", "test_0002_aligned.jpg", { labels: ["bemused"] }),
      ].join("\n") + "\n",
    );
    const rafdbImages = join(dir, "RAF-DB", "Image", "aligned");
    const ferImages = join(dir, "fer-png");
    await put(join(rafdbImages, "test_0001_aligned.jpg"), await imageBytes());
    await put(join(rafdbImages, "test_0002_aligned.jpg"), await imageBytes());
    await put(join(ferImages, "PrivateTest", "17.png"), await imageBytes(48, 48, "png"));
    const out = join(dir, "fea-test.jsonl");
    const images = join(dir, "img");
    const { result, summary } = await convert([
      "--from", "fea20k", "--input", annotations, "--images-out", images, "--out", out,
      "--image-dir", `rafdb=${rafdbImages}`, "--image-dir", `fer2013=${ferImages}`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.read, summary.converted, summary.rejected, summary.missing_images], [7, 2, 5, 1]);
    assert.match(result.stderr, new RegExp(`${annotations}:3: image: rafdb_test_0404: image not found: ${join(rafdbImages, "test_0404_aligned.jpg")}`));
    assert.match(result.stderr, new RegExp(`${annotations}:4: invalid JSON`));
    assert.match(result.stderr, /:5: dataset: x_1: no image folder for dataset "affectnet" \(pass --image-dir affectnet=DIR/);
    assert.match(result.stderr, /:6: image: rafdb_escape: "\.\.\/outside\.jpg": path leaves the image folder/);
    assert.match(result.stderr, /:7: labels: rafdb_odd: "bemused" is not one of the unified labels/);
    const records = await readJsonlFile(out);
    assert.deepEqual(
      records.map((r) => [r.id, r.dataset, r.image, r.AUs, r.labels]),
      [
        ["rafdb_test_0001", "rafdb", "rafdb/test_0001_aligned.jpg", ["AU1", "AU4"], ["sadness"]],
        ["fer_17", "fer2013", "fer2013/PrivateTest/17.png", ["AU12", "AU6"], ["happiness"]],
      ],
    );
    assert.equal(records[0].description, "The inner brows rise and draw together.");
    assert.deepEqual(records[0].meta_info, { origin: "rafdb", source_file: "test.jsonl", line: 1, split: "test", source_image: "test_0001_aligned.jpg" });
    await assertValid(out, images, 2);
  } finally {
    await cleanup();
  }
});

test("fea20k: a JSON array file is read too; --keep-labels leaves labels as published", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const annotations = join(dir, "annotations.json");
    await put(annotations, `[${fea("a", "rafdb", "a.jpg")}, ${fea("b", "rafdb", "b.jpg", { labels: ["bemused"] })}]`);
    await put(join(dir, "imgs", "a.jpg"), await imageBytes());
    await put(join(dir, "imgs", "b.jpg"), await imageBytes());
    const out = join(dir, "out.jsonl");
    const { result, summary } = await convert(["--from", "fea20k", "--input", annotations, "--images", join(dir, "imgs"), "--images-out", join(dir, "o"), "--out", out, "--split", "train", "--keep-labels"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(summary?.converted, 2);
    assert.deepEqual((await readJsonlFile(out)).map((r) => r.labels), [["Sadness"], ["bemused"]]);
  } finally {
    await cleanup();
  }
});

test("fea20k: annotations through a pipe (--input <(zcat ...)) are read once, none of them lost", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const pipe = join(dir, "test.jsonl");
    execFileSync("mkfifo", [pipe]);
    const images = join(dir, "rafdb");
    await put(join(images, "a.jpg"), await imageBytes());
    const lines = Array.from({ length: 50 }, (_, i) => fea(`rafdb_${i}`, "rafdb", "a.jpg"));
    const out = join(dir, "out.jsonl");
    const converting = convert(["--from", "fea20k", "--input", pipe, "--image-dir", `rafdb=${images}`, "--images-out", join(dir, "images"), "--out", out]);
    // The one writer of the pipe, as a shell's process substitution would be.
    await writeFile(pipe, `${lines.join("\n")}\n`);
    const { result, summary } = await converting;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual([summary?.read, summary?.converted], [50, 50]);
    assert.equal((await readJsonlFile(out)).length, 50);
  } finally {
    await cleanup();
  }
});
