import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { scoreEvaluation, type ScoreParams } from "../../src/eval/score.js";
import { rougeScores } from "../../src/eval/metrics/rouge.js";
import { pltrdyRougeL } from "../../src/eval/metrics/pltrdy-rouge.js";
import type { Problem } from "../../src/util/errors.js";

const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";

function record(id: string | number, fields: Record<string, unknown>) {
  return { id, dataset: "rafdb", image: `${id}.png`, question: "q", AUs: [], labels: [], ...fields };
}

async function score(dataset: unknown[], predictions: unknown[] | Buffer, options: Partial<ScoreParams> = {}) {
  const { dir, cleanup } = await tempDir();
  try {
    const ds = join(dir, "dataset.jsonl");
    const pr = join(dir, "predictions.jsonl");
    await writeFile(ds, jsonl(dataset));
    await writeFile(pr, Buffer.isBuffer(predictions) ? predictions : jsonl(predictions));
    const problems: Problem[] = [];
    const report = await scoreEvaluation({ dataset: ds, predictions: pr, protocol: "facial-r1", progress: false, onProblem: (p) => problems.push(p), ...options });
    return { report, problems, dir };
  } finally {
    await cleanup();
  }
}

test("facial-r1: accuracy counts missing and empty predictions as wrong; labels are case-sensitive", async () => {
  const { report } = await score(
    [
      record("a", { labels: ["happiness"] }),
      record("b", { labels: ["happiness"] }),
      record("c", { labels: ["sadness"] }),
      record("d", { labels: ["sadness"] }),
      record("e", { labels: ["fear"] }),
    ],
    [
      { id: "a", output: "<think>x</think><answer>happiness</answer>" },
      { id: "b", output: "<think>x</think><answer>Happiness</answer>" },
      { id: "c", output: "" },
      { id: "e", output: "<answer>fear，sadness</answer>" },
    ],
  );
  assert.equal(report.emotion!.accuracy, 2 / 5);
  assert.equal(report.emotion!.total, 5);
  assert.deepEqual(report.emotion!.per_class.sadness, { accuracy: 0, correct: 0, support: 2 });
  assert.deepEqual(report.emotion!.confusion.truth, ["fear", "happiness", "sadness"]);
  assert.deepEqual(report.emotion!.confusion.matrix[2], [0, 0, 0, 0, 2]);
  assert.equal(report.counts.missing_predictions, 1);
  assert.equal(report.counts.empty_outputs, 1);
  assert.equal(report.counts.predictions_scored, 4);
  assert.equal(report.au, null, "no AUs in the ground truth");
});

test("facial-r1: AU F1 over the AUs of the file's ground truth, in sorted order", async () => {
  const { report } = await score(
    [record(1, { AUs: ["AU1", "AU12"] }), record(2, { AUs: ["AU2"] }), record(3, { AUs: [] })],
    [
      { id: 1, output: "<think>AU1 AU12 AU43</think><answer>x</answer>" },
      { id: "2", output: "<think>AU02 and au2</think>" },
      { id: 3, output: "<think>AU12</think>" },
    ],
  );
  const au = report.au!;
  assert.deepEqual(au.aus, ["AU1", "AU12", "AU2"]);
  assert.deepEqual(Object.keys(au.per_au), ["AU1", "AU2", "AU12"]);
  assert.equal(au.per_au.AU1.f1, 1);
  assert.equal(au.per_au.AU2.f1, 0);
  assert.equal(au.per_au.AU12.f1, 2 / 3);
  assert.equal(au.per_au.AU43, undefined, "predicted outside the file's AU set: ignored");
  assert.equal(au.macro_f1, (1 + 2 / 3 + 0) / 3);
  assert.equal(au.micro_f1, (2 * 2) / (2 * 2 + 1 + 1));
  assert.equal(report.emotion, null, "no labels in the ground truth");
});

test("ROUGE averages rouge_score F-measures over records with a description, missing outputs scoring 0", async () => {
  const refs = ["The brows are lowered and the lips pressed.", "Cheeks raised, lip corners pulled up in a smile."];
  const outs = ["<think>Brows lowered, lips pressed together.</think><answer>anger</answer>"];
  const { report } = await score(
    [record("a", { description: refs[0] }), record("b", { description: refs[1] }), record("c", {})],
    [{ id: "a", output: outs[0] }, { id: "c", output: "anything" }],
  );
  const a = rougeScores(refs[0], outs[0]);
  assert.equal(report.rouge!.scored, 2);
  assert.equal(report.rouge!.rouge1, (a.rouge1.fmeasure + 0) / 2);
  assert.equal(report.rouge!.rougeL, (a.rougeL.fmeasure + 0) / 2);
  assert.equal(report.counts.records_without_description, 1);
});

test("bad prediction lines are counted and located, never crash the run", async () => {
  const lines = Buffer.concat([
    Buffer.from(jsonl([{ id: "a", output: "<answer>happiness</answer>" }, { id: "zz", output: "x" }, { id: "a", output: "again" }, { id: "b" }, "{oops"])),
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x7d, 0x0a]),
  ]);
  const { report, problems } = await score([record("a", { labels: ["happiness"] }), record("b", { labels: ["fear"] })], lines);
  const c = report.counts;
  assert.deepEqual(
    [c.predictions_scored, c.predictions_unknown_id, c.predictions_duplicate_id, c.predictions_rejected, c.missing_predictions],
    [1, 1, 1, 3, 1],
  );
  assert.equal(report.emotion!.accuracy, 1 / 2);
  const where = problems.map((p) => `${p.file?.split("/").pop()}:${p.line}`);
  assert.deepEqual(where, ["predictions.jsonl:2", "predictions.jsonl:3", "predictions.jsonl:4", "predictions.jsonl:5", "predictions.jsonl:6"]);
  assert.match(problems[0].message, /not in/);
  assert.match(problems[1].message, /duplicate/);
  assert.equal(problems[2].field, "output");
  assert.match(problems[4].message, /UTF-8/);
});

test("bad dataset lines are counted; an empty dataset is invalid input", async () => {
  const { report, problems } = await score([record("a", { labels: ["fear"] }), record("a", { labels: ["anger"] }), { id: "b", AUs: "AU1" }, "[]"], []);
  assert.equal(report.counts.records, 1);
  assert.equal(report.counts.dataset_duplicate_ids, 1);
  assert.equal(report.counts.dataset_rejected, 2);
  assert.equal(problems.length, 3);
  await assert.rejects(score(["{bad"], []), /no valid records/);
});

test("per-dataset breakdown when the file mixes datasets, each with its own AU and label sets", async () => {
  const { report } = await score(
    [record("a", { dataset: "disfa", AUs: ["AU1"], labels: ["fear"] }), record("b", { dataset: "bp4d", AUs: ["AU2"], labels: ["fear"] })],
    [{ id: "a", output: "<think>AU1 AU2</think><answer>fear</answer>" }, { id: "b", output: "<think>AU2</think><answer>anger</answer>" }],
  );
  assert.deepEqual(Object.keys(report.datasets!), ["disfa", "bp4d"]);
  assert.deepEqual(report.datasets!.disfa.au!.aus, ["AU1"]);
  assert.equal(report.datasets!.disfa.au!.macro_f1, 1, "AU2 is not in disfa's ground truth, so its false positive is ignored there");
  assert.equal(report.au!.per_au.AU2.fp, 1);
  assert.equal(report.datasets!.bp4d.emotion!.accuracy, 0);
  assert.equal(report.emotion!.accuracy, 1 / 2);
});

test("standard protocol: fixed AU lists and class lists, tolerant reading", async () => {
  const { report } = await score(
    [
      record("a", { dataset: "DISFA", AUs: ["AU1", "AU4"], labels: ["Happy"] }),
      record("b", { dataset: "DISFA", AUs: ["AU26"], labels: ["contempt"] }),
      record("c", { dataset: "RAF-DB", AUs: ["AU12"], labels: ["sadness"] }),
    ],
    [
      { id: "a", output: "<THINK>AU01, au4, AU 5</THINK><answer>happiness</answer>" },
      { id: "b", output: "<think>AU26</think><answer>Sad</answer>" },
      { id: "c", output: "<think>AU12</think><answer>sad.</answer>" },
    ],
    { protocol: "standard" },
  );
  const au = report.au!;
  assert.deepEqual(au.aus, ["AU1", "AU2", "AU4", "AU6", "AU9", "AU12", "AU25", "AU26"]);
  assert.equal(au.per_au.AU12.support, 0, "rafdb has no AU list: its record is not scored for AUs");
  assert.equal(au.macro_f1, 1, "mean over AUs with positives (AU1, AU4, AU26)");
  assert.equal(report.counts.au_not_scored, 1);
  // contempt is not one of the 7 basic classes: not scored.
  assert.equal(report.counts.emotion_not_scored, 1);
  assert.equal(report.emotion!.accuracy, 1);
  assert.equal(report.emotion!.total, 2);
});

test("REGE on FABA data: synonym reading, pltrdy ROUGE-L and the FABA AU list", async () => {
  const descriptions = ["The person is smiling. Cheeks raised.", "Brows are lowered in anger."];
  const outputs = ["A joyful face, cheeks raised. AU6 and AU12.", "The person looks calm. AU4."];
  const { report } = await score(
    [
      record("a", { dataset: "faba", AUs: ["AU6", "AU12"], labels: ["happiness"], description: descriptions[0] }),
      record("b", { dataset: "faba", AUs: ["AU4"], labels: ["anger"], description: descriptions[1] }),
    ],
    outputs.map((output, i) => ({ id: ["a", "b"][i], output })),
  );
  const rege = report.rege!;
  assert.equal(rege.emotion!.s_re, 1 / 2);
  const sGe = (pltrdyRougeL(outputs[0], descriptions[0])!.f + pltrdyRougeL(outputs[1], descriptions[1])!.f) / 2;
  assert.equal(rege.emotion!.s_ge, sGe);
  assert.equal(rege.emotion!.rege, 1 / 2 + sGe);
  assert.equal(rege.au!.s_re, 1);
  assert.deepEqual(Object.keys(rege.au!.per_au).length, 12);
  assert.equal(rege.au!.per_au.AU1, null);
  const off = await score([record("a", { dataset: "faba", labels: ["fear"] })], [], { rege: false });
  assert.equal(off.report.rege, undefined);
});

test("judgements fold into a judge block: failures left out of the mean and counted", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const judgements = join(dir, "judge.jsonl");
    await writeFile(
      judgements,
      jsonl([
        { id: "a", score: 8, reason: "ok" },
        { id: "b", score: null, reason: "", error: "timeout" },
        { id: "c", score: 5, reason: "ok" },
        { id: "c", score: 1, reason: "dup" },
        { id: "zz", score: 3, reason: "?" },
        { id: "d", score: 11, reason: "out of range" },
      ]),
    );
    const { report } = await score([record("a", {}), record("b", {}), record("c", {}), record("d", {}), record("e", {})], [], { judgements });
    const j = report.judge!;
    assert.equal(j.mean, 6.5);
    assert.deepEqual([j.scored, j.failed, j.missing, j.unknown_ids, j.duplicate_ids], [2, 2, 1, 1, 1]);
    assert.equal(j.histogram["8"], 1);
    assert.equal(j.histogram["5"], 1);
  } finally {
    await cleanup();
  }
});

test("unknown benchmark is invalid input", async () => {
  await assert.rejects(score([record("a", {})], [], { benchmark: "nope" }), /unknown benchmark/);
});

test("ROUGE on the worker thread gives the same report as inline scoring", async () => {
  const words = ["brows", "raised", "smiling", "lips", "pressed", "cheeks", "lifted", "jaw", "dropped", "AU12", "Meeting", "friends"];
  const text = (i: number, n: number) => Array.from({ length: n }, (_, k) => words[(i * 7 + k * k) % words.length]).join(k0(i));
  const k0 = (i: number) => (i % 3 === 0 ? ". " : " ");
  const dataset = Array.from({ length: 4500 }, (_, i) => record(i, { description: text(i, 5 + (i % 30)), labels: ["fear"] }));
  const predictions = Array.from({ length: 4400 }, (_, i) => ({ id: i, output: `<think>${text(i + 1, 3 + (i % 50))}</think><answer>fear</answer>` }));
  const inline = await score(dataset, predictions, { rougeWorker: false });
  const worker = await score(dataset, predictions, { rougeWorker: true });
  assert.equal(inline.report.rouge!.scored, 4500);
  assert.deepEqual(worker.report.rouge, inline.report.rouge);
  assert.ok(inline.report.rouge!.rougeL > 0);
});
