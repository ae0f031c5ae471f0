import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { PLUGIN_TARGETS, buildPlugin, type PluginTarget } from "../../src/plugins/index.js";
import { VECTOR_FILE, VECTOR_SPECS, type RewardVector } from "../../scripts/generate-reward-vectors.js";
import { scoreComponents, scoreCompletion, completionText } from "../../src/rewards/score.js";
import { truthAUs, truthLabel } from "../../src/rewards/truth.js";
import { PYTHON_UPPER_UNICODE_VERSION } from "../../src/rewards/python-upper-table.js";
import { jsonLines, runPython } from "./python.js";
import { extractResponse } from "../../src/rewards/openrlhf.js";
import { totalRange } from "../../src/rewards/reward-range.js";
import { normalizedScore } from "../../src/rewards/server.js";

const vectors: RewardVector[] = readFileSync(VECTOR_FILE, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as RewardVector);

const SUMMING: ReadonlySet<PluginTarget> = new Set(["vlm-r1", "facial-r1", "trl"]);

/** What a target must report for a vector, derived from the TypeScript scorer's expectations. */
function expectedFor(target: PluginTarget, v: RewardVector): Record<string, number | null> {
  if (target === "openrlhf") return openRlhfExpected(v);
  if (!SUMMING.has(target)) return { ...v.expected };
  const spec = VECTOR_SPECS[v.spec];
  const w = spec.weights;
  const text = completionText(v.completion);
  if (text === undefined) return { format: 0, accuracy: 0, au: 0, total: 0 };
  const parts = scoreComponents(text, v, spec);
  let accuracy: number | null = (parts.accuracy ?? 0.5) * w.accuracy;
  let au: number | null = (parts.au ?? 0) * w.au;
  if (target === "trl") {
    if (truthLabel(v) === undefined) accuracy = null;
    if (truthAUs(v) === undefined) au = null;
  }
  const format = parts.format * w.format;
  return { format, accuracy, au, total: accuracy === null || au === null ? null : format + accuracy + au };
}

/** What the reward server's POST /get_reward answers for the query run_plugin.py builds. */
function openRlhfExpected(v: RewardVector): Record<string, number | null> {
  const prompt = "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n";
  const { response } = extractResponse(`${prompt}${v.completion as string}<|im_end|>`, prompt);
  const s = scoreCompletion(response, v, VECTOR_SPECS[v.spec]);
  return { ...s, score: normalizedScore(s.total, totalRange(VECTOR_SPECS[v.spec])) };
}

test("the checked-in vectors cover the brief: at least 400, every preset, 50k-character completions", () => {
  assert.ok(vectors.length >= 400, `${vectors.length} vectors`);
  for (const name of Object.keys(VECTOR_SPECS)) assert.ok(vectors.some((v) => v.spec === name), name);
  assert.ok(vectors.some((v) => typeof v.completion === "string" && v.completion.length >= 50_000));
});

test("every emitted target scores every vector exactly like the TypeScript scorer", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const results = await Promise.all(
      PLUGIN_TARGETS.map(async (target) => {
        const pairs: string[] = [];
        for (const [name, spec] of Object.entries(VECTOR_SPECS)) {
          const outDir = join(dir, target, name);
          await buildPlugin({ target, spec, outDir });
          pairs.push(`${name}=${outDir}`);
        }
        const out = await runPython([join(import.meta.dirname, "run_plugin.py"), target, VECTOR_FILE, ...pairs]);
        return { target, lines: jsonLines(out) };
      }),
    );
    for (const { target, lines } of results) {
      const [header, ...rows] = lines;
      const sameUnicode = header.unidata_version === PYTHON_UPPER_UNICODE_VERSION;
      assert.equal(rows.length, vectors.length, `${target}: one line per vector`);
      const mismatches: string[] = [];
      let skipped = 0;
      rows.forEach((row, i) => {
        const v = vectors[i];
        assert.equal(row.id, v.id);
        if (row.skipped === true && target === "openrlhf") return void skipped++;
        if (!sameUnicode && v.tags?.includes("unicode")) return;
        const want = expectedFor(target, v);
        for (const key of Object.keys(want)) {
          if (!Object.is(row[key], want[key])) mismatches.push(`${target} ${v.id} ${key}: python ${String(row[key])} vs ts ${String(want[key])}`);
        }
      });
      assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
      assert.ok(skipped < vectors.length / 5, `${target}: ${skipped} vectors cannot be sent as OpenRLHF labels`);
    }
  } finally {
    await cleanup();
  }
});

test("the facial-r1 preset equals a literal re-based transcription of the published rewards", async () => {
  const [header, ...rows] = jsonLines(await runPython([join(import.meta.dirname, "published_oracle.py"), VECTOR_FILE]));
  const sameUnicode = header.unidata_version === PYTHON_UPPER_UNICODE_VERSION;
  const byId = new Map(vectors.map((v) => [v.id, v]));
  assert.ok(rows.length >= 250, `${rows.length} vectors scored by the oracle`);
  const mismatches: string[] = [];
  for (const row of rows) {
    const v = byId.get(row.id as string)!;
    if (!sameUnicode && v.tags?.includes("unicode")) continue;
    for (const key of ["format", "accuracy", "au", "total"] as const) {
      if (!Object.is(row[key], v.expected[key])) mismatches.push(`${v.id} ${key}: oracle ${String(row[key])} vs ts ${v.expected[key]}`);
    }
  }
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
});

test("the published sample (tests/fixtures/reward-vectors.sample.jsonl): TypeScript and every target agree with it", async () => {
  const sample = readFileSync(join(import.meta.dirname, "..", "fixtures", "reward-vectors.sample.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l, i) => ({ id: `sample/${i + 1}`, spec: "facial-r1", ...(JSON.parse(l) as Omit<RewardVector, "id" | "spec">) }));
  assert.ok(sample.length >= 40);
  for (const v of sample) assert.deepEqual(scoreCompletion(v.completion, v), v.expected, v.id);
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "sample.jsonl");
    writeFileSync(file, sample.map((v) => JSON.stringify(v)).join("\n"));
    await Promise.all(
      PLUGIN_TARGETS.map(async (target) => {
        const outDir = join(dir, target);
        await buildPlugin({ target, spec: VECTOR_SPECS["facial-r1"], outDir });
        const [, ...rows] = jsonLines(await runPython([join(import.meta.dirname, "run_plugin.py"), target, file, `facial-r1=${outDir}`]));
        assert.equal(rows.length, sample.length);
        rows.forEach((row, i) => {
          const { id: _id, score: _unit, ...scores } = row;
          assert.deepEqual(scores, sample[i].expected, `${target} ${sample[i].id}`);
        });
      }),
    );
  } finally {
    await cleanup();
  }
});
