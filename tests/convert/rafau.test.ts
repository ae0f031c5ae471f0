import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, imageBytes, put, readJsonlFile } from "./fixtures.js";

test("rafau: RAFAU_label.txt codes become AU lists; lateral codes merged or dropped; bad codes rejected", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const list = join(dir, "RAF-AU", "RAFAU_label.txt");
    const aligned = join(dir, "RAF-AU", "aligned");
    await put(list, ["0001.jpg 1+2+4+25 ", "0002.jpg null", "0003.jpg 6+L12+R14", "0004.jpg 1+Z9", "0005.jpg 4+7"].join("\n") + "\n");
    const jpeg = await imageBytes();
    for (const name of ["0001", "0002", "0003", "0004", "0005"]) await put(join(aligned, `${name}_aligned.jpg`), jpeg);
    const out = join(dir, "rafau.jsonl");
    const images = join(dir, "img");
    const { result, summary } = await convert(["--from", "rafau", "--input", list, "--images", aligned, "--images-out", images, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.converted, summary.rejected], [4, 1]);
    assert.match(result.stderr, new RegExp(`${list}:4: AUs: "Z9" is not an AU code`));
    const records = await readJsonlFile(out);
    assert.deepEqual(
      records.map((r) => [r.id, r.AUs, r.labels]),
      [
        ["rafau-0001", ["AU1", "AU2", "AU4", "AU25"], []],
        ["rafau-0002", [], []],
        ["rafau-0003", ["AU6", "AU12", "AU14"], []],
        ["rafau-0005", ["AU4", "AU7"], []],
      ],
    );
    assert.deepEqual((records[2].meta_info as { lateral: string[] }).lateral, ["L12", "R14"]);
    await assertValid(out, images, 4);

    const dropped = await convert(["--from", "rafau", "--input", list, "--images", aligned, "--images-out", images, "--out", out, "--lateral", "drop", "--split", "train"]);
    assert.ok(dropped.summary);
    const again = await readJsonlFile(out);
    assert.deepEqual(again[2].AUs, ["AU6"]);
    assert.equal((again[2].meta_info as { split: string }).split, "train");
  } finally {
    await cleanup();
  }
});
