import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, imageBytes, put, readJsonlFile } from "./fixtures.js";

/** DISFA layout: ActionUnit_Labels/SN001/SN001_au1.txt with `frame,intensity` lines. */
async function disfaFixture(dir: string): Promise<{ labels: string; frames: string }> {
  const labels = join(dir, "ActionUnit_Labels");
  const frames = join(dir, "frames");
  const series: Record<string, Record<number, (number | string)[]>> = {
    SN001: { 1: [0, 2, 3, 1, 0, 5], 2: [0, 0, 1, 2, 0, 0], 12: [4, 4, 0, 0, 2, 1] },
    SN002: { 1: [1, 1, 1, 1, 1, 1], 2: [0, 0, 7, 0, 0, 0], 12: [2, 2, 2, 2] }, // au2 frame 3 invalid; au12 truncated after frame 4
  };
  for (const [subject, aus] of Object.entries(series)) {
    for (const [au, values] of Object.entries(aus)) {
      await put(join(labels, subject, `${subject}_au${au}.txt`), values.map((v, i) => `${i + 1},${v}`).join("\n") + "\n");
    }
  }
  await put(join(labels, "SN001", "readme.txt"), "not an AU file\n");
  const jpeg = await imageBytes();
  for (const subject of Object.keys(series)) for (let frame = 1; frame <= 6; frame++) await put(join(frames, subject, `${frame}.jpg`), jpeg);
  return { labels, frames };
}

test("disfa: per-subject AU files joined per frame; intensity >= 2 is present; --every keeps every n-th frame", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { labels, frames } = await disfaFixture(dir);
    const out = join(dir, "disfa.jsonl");
    const images = join(dir, "img");
    const { result, summary } = await convert(["--from", "disfa", "--input", labels, "--images", frames, "--images-out", images, "--out", out, "--every", "2"]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.read, summary.converted, summary.rejected, summary.dropped], [12, 4, 3, 5]);
    assert.deepEqual(summary.dropped_by_reason, { "not selected by --every 2": 5 });
    assert.match(result.stderr, new RegExp(`${join(labels, "SN002", "SN002_au2.txt")}:3: AU2: SN002 frame 3: intensity "7" is not an integer 0..5`));
    assert.match(result.stderr, new RegExp(`${join(labels, "SN002", "SN002_au12.txt")}: AU12: SN002 frame 5: frame 5 is missing \\(truncated file\\?\\)`));
    const records = await readJsonlFile(out);
    assert.deepEqual(
      records.map((r) => [r.id, r.AUs, r.image]),
      [
        ["disfa-SN001-00001", ["AU12"], "SN001/1.jpg"],
        ["disfa-SN001-00003", ["AU1"], "SN001/3.jpg"],
        ["disfa-SN001-00005", ["AU12"], "SN001/5.jpg"],
        ["disfa-SN002-00001", ["AU12"], "SN002/1.jpg"],
      ],
    );
    assert.deepEqual(records[1].meta_info, {
      source_file: "SN001/SN001_au*.txt",
      subject: "SN001",
      frame: 3,
      split: "all",
      intensity: { AU1: 3, AU2: 1, AU12: 0 },
      threshold: 2,
    });
    await assertValid(out, images, 4);
  } finally {
    await cleanup();
  }
});

test("disfa: --threshold, --aus and --image-template are honoured", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { labels } = await disfaFixture(dir);
    const zeroBased = join(dir, "zero");
    const jpeg = await imageBytes();
    for (let frame = 0; frame < 6; frame++) await put(join(zeroBased, "SN001", `${String(frame).padStart(3, "0")}.jpg`), jpeg);
    const out = join(dir, "disfa.jsonl");
    const { summary } = await convert([
      "--from", "disfa", "--input", join(labels), "--images", zeroBased, "--images-out", join(dir, "img"), "--out", out,
      "--threshold", "1", "--aus", "1,2", "--image-template", "{subject}/{frame0:03}.jpg",
    ]);
    assert.ok(summary);
    assertCountsAddUp(summary);
    const records = await readJsonlFile(out);
    const sn001 = records.filter((r) => (r.meta_info as { subject: string }).subject === "SN001");
    assert.deepEqual(sn001.map((r) => r.AUs), [[], ["AU1"], ["AU1", "AU2"], ["AU1", "AU2"], [], ["AU1"]]);
    assert.equal(sn001[0].image, "SN001/000.jpg");
    // SN002's images are not in this folder: every one of its frames is rejected as missing, none silently lost.
    assert.equal(summary.missing_images, 5);
    assert.equal(summary.rejected, 6);
  } finally {
    await cleanup();
  }
});

test("disfa: a label file in another layout stops with the offending line", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const labels = join(dir, "ActionUnit_Labels");
    await put(join(labels, "SN003", "SN003_au1.txt"), "1 0\n2 0\n");
    const { result } = await convert(["--from", "disfa", "--input", labels, "--images", dir, "--images-out", join(dir, "o"), "--out", join(dir, "o.jsonl")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /SN003_au1\.txt:1: does not look like a DISFA AU file \(expected "frame,intensity" per line\): "1 0"/);
    const empty = await convert(["--from", "disfa", "--input", dir, "--images", dir, "--images-out", join(dir, "o"), "--out", join(dir, "o.jsonl")]);
    assert.equal(empty.result.code, 2);
    assert.match(empty.result.stderr, /no SN<nnn> subject folders/);
  } finally {
    await cleanup();
  }
});
