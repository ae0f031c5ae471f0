import { test } from "node:test";
import assert from "node:assert/strict";
import { AuAccumulator, compareAuNames, f1FromCounts } from "../../src/eval/metrics/au.js";
import { EmotionAccumulator } from "../../src/eval/metrics/emotion.js";
import { normalizeLabel, readAuTokens, readFacialR1, readStandard, resolveBenchmark, splitLabels } from "../../src/eval/protocols.js";

test("f1FromCounts is 2TP / (2TP + FP + FN) and zero when undefined", () => {
  assert.equal(f1FromCounts(1, 1, 0), 2 / 3);
  assert.equal(f1FromCounts(0, 3, 2), 0);
  assert.equal(f1FromCounts(0, 0, 0), 0);
});

test("AU accumulator: predicted AUs outside the scored set are ignored; zero-positive AUs leave the macro mean", () => {
  const acc = new AuAccumulator();
  acc.add(new Set(["AU1", "AU4"]), new Set(["AU1", "AU9"]));
  acc.add(new Set(["AU4"]), new Set(["AU4", "AU1"]));
  acc.add(new Set([]), new Set(["AU12"]));
  const m = acc.metrics(["AU1", "AU4"])!;
  // AU1: tp 1, fp 1, fn 0; AU4: tp 1, fp 0, fn 1. AU9 and AU12 are never read.
  assert.deepEqual(m.per_au.AU1, { f1: 2 / 3, precision: 0.5, recall: 1, accuracy: 2 / 3, support: 1, tp: 1, fp: 1, fn: 0, tn: 1 });
  assert.deepEqual(m.per_au.AU4, { f1: 2 / 3, precision: 1, recall: 0.5, accuracy: 2 / 3, support: 2, tp: 1, fp: 0, fn: 1, tn: 1 });
  assert.equal(m.macro_f1, 2 / 3);
  assert.equal(m.micro_f1, 4 / 6);
  assert.deepEqual(Object.keys(m.per_au), ["AU1", "AU4"]);

  const withZero = acc.metrics(["AU1", "AU4", "AU12"])!;
  assert.equal(withZero.per_au.AU12.f1, 0);
  assert.equal(withZero.per_au.AU12.support, 0);
  assert.equal(withZero.macro_f1, 2 / 3, "AU12 has no positive and stays out of the macro mean");
  assert.equal(withZero.micro_f1, 4 / 7, "its false positive still counts in the micro F1");
  assert.deepEqual(acc.positiveAus().sort(), ["AU1", "AU4"]);
  assert.equal(acc.metrics([]), null);
});

test("AU accumulator with scopes counts only the AUs each record is scored on", () => {
  const acc = new AuAccumulator();
  acc.add(new Set(["AU1"]), new Set(["AU1", "AU2"]), ["AU1", "AU2"]);
  acc.add(new Set(["AU6"]), new Set(["AU1"]), ["AU6"]);
  assert.deepEqual(acc.countsOf("AU1"), { tp: 1, fp: 0, fn: 0, tn: 0 });
  assert.deepEqual(acc.countsOf("AU2"), { tp: 0, fp: 1, fn: 0, tn: 0 });
  assert.deepEqual(acc.countsOf("AU6"), { tp: 0, fp: 0, fn: 1, tn: 0 });
  assert.deepEqual(acc.scopedAus(), ["AU1", "AU2", "AU6"]);
});

test("compareAuNames sorts numerically", () => {
  assert.deepEqual(["AU12", "AU2", "AU04", "X", "AU1"].sort(compareAuNames), ["AU1", "AU2", "AU04", "AU12", "X"]);
});

test("emotion accumulator: accuracy over every record, per-class accuracy, confusion with (other) and (none)", () => {
  const acc = new EmotionAccumulator();
  acc.add("happiness", "happiness", true);
  acc.add("happiness", "Happiness", false);
  acc.add("sadness", undefined, false);
  acc.add(undefined, "sadness", false);
  const m = acc.metrics(["happiness", "sadness"])!;
  assert.equal(m.accuracy, 1 / 4);
  assert.equal(m.total, 4);
  assert.deepEqual(m.per_class.happiness, { accuracy: 0.5, correct: 1, support: 2 });
  assert.deepEqual(m.per_class.sadness, { accuracy: 0, correct: 0, support: 1 });
  assert.deepEqual(m.confusion.truth, ["happiness", "sadness", "(none)"]);
  assert.deepEqual(m.confusion.predicted, ["happiness", "sadness", "(other)", "(none)"]);
  assert.deepEqual(m.confusion.matrix, [
    [1, 0, 1, 0],
    [0, 0, 0, 1],
    [0, 1, 0, 0],
  ]);
  assert.equal(new EmotionAccumulator().metrics(["happiness"]), null);
  const m2 = acc.metrics(["happiness", "sadness", "fear"])!;
  assert.equal(m2.per_class.fear.accuracy, null);
});

test("splitLabels splits on ASCII and full-width commas and semicolons and on whitespace", () => {
  assert.deepEqual(splitLabels(" happiness,surprise ;fear，anger；disgust\tneutral\u3000sadness\u00a0x\u0085y "), [
    "happiness", "surprise", "fear", "anger", "disgust", "neutral", "sadness", "x", "y",
  ]);
  assert.deepEqual(splitLabels(" ,;， "), []);
});

test("facial-r1 reading: first think block, case-sensitive AU tokens, first answer label, whole output as fallback", () => {
  const r = readFacialR1("<think>AU1, au2, AU04 and AU 5; AU1 again</think><think>AU9</think><answer>Happiness, sadness</answer><answer>fear</answer>");
  assert.deepEqual([...r.aus], ["AU1", "AU04"]);
  assert.equal(r.label, "Happiness");
  const bare = readFacialR1("AU6 AU12 happiness");
  assert.deepEqual([...bare.aus], ["AU6", "AU12"]);
  assert.equal(bare.label, "AU6");
  const multiline = readFacialR1("<think>line one\nAU7\n</think>\n<answer>\n anger \n</answer>");
  assert.deepEqual([...multiline.aus], ["AU7"]);
  assert.equal(multiline.label, "anger");
  assert.equal(readFacialR1("").label, undefined);
  assert.equal(readFacialR1("<THINK>AU3</THINK><answer>fear</answer>").aus.has("AU3"), true, "upper-case tags are not a think block, so the whole output is read");
});

test("standard reading: tolerant AU spellings and labels mapped to the unified vocabulary", () => {
  assert.deepEqual([...readAuTokens("AU04, au6, AU 12, AU-25, AU_26, FAU9, AU0")], ["AU4", "AU6", "AU12", "AU25", "AU26"]);
  const r = readStandard("<THINK>AU04 au12</THINK><Answer>Happy.</Answer>");
  assert.deepEqual([...r.aus], ["AU4", "AU12"]);
  assert.equal(r.label, "happiness");
  assert.equal(normalizeLabel("Sad!"), "sadness");
  assert.equal(normalizeLabel("Bored"), "bored");
  assert.equal(resolveBenchmark("FABA-Instruct")?.name, "faba");
  assert.equal(resolveBenchmark("RAF-DB")?.name, "rafdb");
  assert.equal(resolveBenchmark("BP4D")?.aus?.length, 12);
  assert.equal(resolveBenchmark("disfa")?.aus?.length, 8);
  assert.equal(resolveBenchmark("affectnet")?.classes?.length, 8);
  assert.equal(resolveBenchmark("unknown-set"), undefined);
});

test("AU metrics equal scikit-learn's f1_score (per AU, macro, micro) on generated multi-label data", async () => {
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { cases } = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "sklearn-au-f1.json"), "utf8")) as {
    cases: { truth: string[][]; predicted: string[][]; classes: string[]; per_au_f1: Record<string, number>; macro_f1: number; micro_f1: number }[];
  };
  assert.ok(cases.some((c) => c.classes.length > 8), "some cases exercise NumPy's blocked summation");
  for (const c of cases) {
    const acc = new AuAccumulator();
    c.truth.forEach((truth, i) => acc.add(new Set(truth), new Set(c.predicted[i])));
    const m = acc.metrics(c.classes)!;
    assert.deepEqual(Object.fromEntries(Object.entries(m.per_au).map(([au, s]) => [au, s.f1])), c.per_au_f1);
    assert.equal(m.macro_f1, c.macro_f1);
    assert.equal(m.micro_f1, c.micro_f1);
  }
});
