import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadRunConfig } from "../../src/trainer/config-file.js";
import { preflight } from "../../src/trainer/preflight.js";
import { tempDir } from "../helpers/cli.js";
import { configYaml, png, writeDataset } from "./fixture.js";

process.env.FACIAL_R1_QUIET = "1";

async function findings(config: string): Promise<string[]> {
  const report = await preflight({ loaded: await loadRunConfig(config), progress: false });
  return report.problems.filter((p) => p.file?.endsWith("train.jsonl")).map((p) => `${p.line}: ${p.field}: ${p.message.split(" (image folder")[0]}`);
}

test("preflight lists each line's findings in file order, image findings included, with checks on this thread or on workers", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // Lines 3, 6, 9, ... name a missing image; lines 5, 10, ... have no label; line 8 has a second, truncated image.
    await writeDataset({
      dir,
      file: "data/train.jsonl",
      images: "images",
      count: 30,
      skipImages: [2, 5, 8, 11, 14, 17, 20, 23, 26, 29],
      overrides: (i) => ({ AUs: ["AU4"], ...(i % 5 === 4 ? { labels: [] } : {}), ...(i === 7 ? { image: ["img-7.png", "cut.png"] } : {}) }),
    });
    await writeFile(join(dir, "images", "cut.png"), png(20, 20).subarray(0, 40));
    await writeFile(join(dir, "run.yaml"), configYaml({}));
    const here = await findings(join(dir, "run.yaml"));
    const lines = here.map((f) => Number(f.split(":")[0]));
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b), here.join("\n"));
    assert.deepEqual(here.slice(0, 4), ["3: image: img-2.png: image file not found", "5: labels: no label: the trainer takes labels[0] as the solution", "6: image: img-5.png: image file not found", "8: image: cut.png: corrupt PNG: truncated: the file does not end with an IEND chunk"]);
    assert.equal(here.length, 10 + 6 + 1);
    process.env.FACIAL_R1_IMAGE_THREADS = "1";
    try {
      assert.deepEqual(await findings(join(dir, "run.yaml")), here);
    } finally {
      delete process.env.FACIAL_R1_IMAGE_THREADS;
    }
  } finally {
    await cleanup();
  }
});
