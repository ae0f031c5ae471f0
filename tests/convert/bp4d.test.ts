import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertCountsAddUp, assertValid, convert, imageBytes, put, readJsonlFile } from "./fixtures.js";

/** BP4D layout: AUCoding/F001_T1.csv with a header of AU numbers (first column: frame). */
async function bp4dFixture(dir: string): Promise<{ coding: string; sequences: string }> {
  const coding = join(dir, "AUCoding");
  const sequences = join(dir, "Sequences");
  await put(join(coding, "F001_T1.csv"), ["0,1,2,4,12", "10,1,0,0,1", "11,0,9,1,0", "12,9,9,9,9", "13,1,3,0,0", "14,1,0"].join("\r\n") + "\r\n");
  await put(join(coding, "M002_T8.csv"), ["0,1,2,4,12", "1,0,0,0,0", "x,0,0,0,0"].join("\n") + "\n");
  const jpeg = await imageBytes();
  for (const frame of [10, 11, 12, 13, 14]) await put(join(sequences, "F001", "T1", `${frame}.jpg`), jpeg);
  await put(join(sequences, "M002", "T8", "1.jpg"), jpeg);
  return { coding, sequences };
}

test("bp4d: 1 present, 0 absent, 9 unknown (kept in meta_info, not in AUs); bad values and rows rejected", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { coding, sequences } = await bp4dFixture(dir);
    const out = join(dir, "bp4d.jsonl");
    const images = join(dir, "img");
    const { result, summary } = await convert(["--from", "bp4d", "--input", coding, "--images", sequences, "--images-out", images, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(summary);
    assertCountsAddUp(summary);
    assert.deepEqual([summary.read, summary.converted, summary.rejected], [7, 4, 3]);
    const f001 = join(coding, "F001_T1.csv");
    assert.match(result.stderr, new RegExp(`${f001}:5: AU2: value "3" is not 0, 1 or 9`));
    assert.match(result.stderr, new RegExp(`${f001}:6: expected 5 columns, got 3`));
    assert.match(result.stderr, new RegExp(`${join(coding, "M002_T8.csv")}:3: frame: frame "x" is not a number`));
    const records = await readJsonlFile(out);
    assert.deepEqual(
      records.map((r) => [r.id, r.AUs, (r.meta_info as { unknown_aus: string[] }).unknown_aus, r.image]),
      [
        ["bp4d-F001-T1-0010", ["AU1", "AU12"], [], "F001/T1/10.jpg"],
        ["bp4d-F001-T1-0011", ["AU4"], ["AU2"], "F001/T1/11.jpg"],
        ["bp4d-F001-T1-0012", [], ["AU1", "AU2", "AU4", "AU12"], "F001/T1/12.jpg"],
        ["bp4d-M002-T8-0001", [], [], "M002/T8/1.jpg"],
      ],
    );
    assert.deepEqual(records[1].meta_info, { source_file: "F001_T1.csv", line: 3, subject: "F001", task: "T1", frame: 11, split: "all", unknown_aus: ["AU2"] });
    await assertValid(out, images, 4);

    const subset = await convert(["--from", "bp4d", "--input", join(coding, "F001_T1.csv"), "--images", sequences, "--images-out", images, "--out", out, "--aus", "1,12"]);
    assert.ok(subset.summary);
    const again = await readJsonlFile(out);
    assert.deepEqual(again.map((r) => [r.AUs, (r.meta_info as { unknown_aus: string[] }).unknown_aus]), [
      [["AU1", "AU12"], []],
      [[], []],
      [[], ["AU1", "AU12"]],
      [["AU1"], []],
    ]);
    assert.equal(subset.summary.rejected, 1, "only the short row: the bad AU2 value is outside --aus");
  } finally {
    await cleanup();
  }
});

test("bp4d: a semicolon-separated coding file stops with its header line", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const coding = join(dir, "AUCoding");
    await put(join(coding, "F003_T2.csv"), "0;1;2\n1;0;1\n");
    const { result } = await convert(["--from", "bp4d", "--input", coding, "--images", dir, "--images-out", join(dir, "o"), "--out", join(dir, "o.jsonl")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /F003_T2\.csv:1: does not look like a BP4D AUCoding file: .*got "0;1;2" \(wrong delimiter\? see --delimiter\)/);
  } finally {
    await cleanup();
  }
});
