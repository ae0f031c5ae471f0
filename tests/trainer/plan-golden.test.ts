import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, tempDir } from "../helpers/cli.js";
import { scenarioHashes, writeGoldenData } from "./golden-plans.js";

process.env.FACIAL_R1_QUIET = "1";

// The hashes in tests/fixtures/plan-golden.json were taken from the planner that read every
// source twice and every shard three more times and checked every image reference: the
// single-pass planner must write the same bytes and report the same findings, and data validate
// --images, on the same image checks, the same reports, rejects and image report.
test("plans of several targets, stages and samplings, and data validate --images, write the same bytes and reports as before", async () => {
  const golden = JSON.parse(await readFile(join(ROOT, "tests", "fixtures", "plan-golden.json"), "utf8")) as Record<string, Record<string, string>>;
  const { dir, cleanup } = await tempDir();
  try {
    await writeGoldenData(dir);
    const hashes = await scenarioHashes(dir);
    assert.deepEqual(Object.keys(hashes), Object.keys(golden));
    for (const [scenario, expected] of Object.entries(golden)) assert.deepEqual(hashes[scenario], expected, scenario);
  } finally {
    await cleanup();
  }
});
