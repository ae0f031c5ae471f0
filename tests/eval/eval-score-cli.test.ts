import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";

const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";

async function files(dataset: unknown[], predictions: unknown[]) {
  const t = await tempDir();
  const ds = join(t.dir, "ds.jsonl");
  const pr = join(t.dir, "pr.jsonl");
  await writeFile(ds, jsonl(dataset));
  await writeFile(pr, jsonl(predictions));
  return { ...t, ds, pr };
}

const DATASET = [
  { id: "a", dataset: "rafdb", image: "a.png", question: "q", AUs: ["AU6", "AU12"], labels: ["happiness"], description: "Cheeks raised and a smile." },
  { id: "b", dataset: "rafdb", image: "b.png", question: "q", AUs: ["AU4"], labels: ["anger"], description: "Brows lowered." },
];

test("eval score --json prints the report on stdout and tables on stderr", async () => {
  const t = await files(DATASET, [
    { id: "a", output: "<think>AU6 AU12: cheeks raised, a smile.</think><answer>happiness</answer>" },
    { id: "b", output: "<think>AU4</think><answer>sadness</answer>" },
  ]);
  try {
    const r = await runCli(["eval", "score", "--dataset", t.ds, "--predictions", t.pr, "--protocol", "facial-r1", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.emotion.accuracy, 0.5);
    assert.equal(report.au.macro_f1, 1);
    assert.equal(report.au.per_au.AU12.f1, 1);
    for (const key of ["rouge1", "rouge2", "rougeL"]) assert.ok(report.rouge[key] > 0 && report.rouge[key] <= 1);
    assert.equal(report.counts.records, 2);
    assert.match(r.stderr, /AU macro F1 100\.00/);
    assert.match(r.stderr, /emotion accuracy 50\.00 \(1\/2\)/);
  } finally {
    await t.cleanup();
  }
});

test("eval score exits 1 when input lines were rejected, still printing the scores and the located problems", async () => {
  const t = await files(DATASET, [{ id: "a", output: "<answer>happiness</answer>" }, { id: "nope", output: "x" }, "not json"]);
  try {
    const r = await runCli(["eval", "score", "--dataset", t.ds, "--predictions", t.pr, "--json"]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.equal(report.counts.predictions_unknown_id, 1);
    assert.equal(report.counts.predictions_rejected, 1);
    assert.equal(report.counts.missing_predictions, 1);
    assert.match(r.stderr, /pr\.jsonl:2: id: id "nope" is not in/);
    assert.match(r.stderr, /pr\.jsonl:3: invalid JSON/);
  } finally {
    await t.cleanup();
  }
});

test("eval score usage errors exit 2", async () => {
  const t = await files(DATASET, []);
  try {
    const missing = await runCli(["eval", "score", "--dataset", join(t.dir, "absent.jsonl"), "--predictions", t.pr]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /absent\.jsonl: no such file/);
    const protocol = await runCli(["eval", "score", "--dataset", t.ds, "--predictions", t.pr, "--protocol", "nope"]);
    assert.equal(protocol.code, 2);
    const benchmark = await runCli(["eval", "score", "--dataset", t.ds, "--predictions", t.pr, "--benchmark", "nope"]);
    assert.equal(benchmark.code, 2);
    assert.match(benchmark.stderr, /unknown benchmark/);
  } finally {
    await t.cleanup();
  }
});
