import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRecord, checkRecordDetailed, fieldPath, idKey, isCleanRecord } from "../../src/data/record-check.js";
import { SampleSchema } from "../../src/schema/sample.js";
import { formatProblem } from "../../src/util/errors.js";

const WHERE = { file: "a.jsonl", line: 7 };

function sample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "rafdb_0001",
    dataset: "rafdb",
    image: "train/0001.jpg",
    question: "What emotion is shown?",
    AUs: ["AU1", "AU4", "AU15"],
    labels: ["sadness"],
    description: "Inner brows raised and drawn together.",
    meta_info: { source: "list.txt", row: 1 },
    ...overrides,
  };
}

function errorsOf(value: unknown, fix = false): string[] {
  const check = checkRecord(value, WHERE, { fix });
  return check.ok ? [] : check.errors.map(formatProblem);
}

function warningsOf(value: unknown, fix = false): string[] {
  return checkRecord(value, WHERE, { fix }).warnings.map(formatProblem);
}

test("a clean record passes the fast path unchanged", () => {
  const record = sample();
  assert.equal(isCleanRecord(record), true);
  const check = checkRecord(record, WHERE);
  assert.ok(check.ok);
  assert.equal(check.record, record);
  assert.deepEqual(check.warnings, []);
  assert.equal(check.fixed, false);
});

test("integer ids, image lists and the optional fields are accepted", () => {
  for (const record of [
    sample({ id: 12 }),
    sample({ image: ["a.png", "b.png"] }),
    sample({ is_valid: false, accu_reward_method: "default" }),
    sample({ AUs: [] }),
  ]) {
    assert.deepEqual(errorsOf(record), [], JSON.stringify(record));
    assert.equal(isCleanRecord(record), true);
  }
});

test("missing required fields and wrong types are located by field", () => {
  const { question: _q, labels: _l, ...rest } = sample();
  assert.deepEqual(errorsOf(rest), [
    "a.jsonl:7: question: required field is missing (expected string)",
    "a.jsonl:7: labels: required field is missing (expected array)",
  ]);
  assert.deepEqual(errorsOf(sample({ id: 1.5, image: [], AUs: "AU1", dataset: "" })), [
    "a.jsonl:7: id: expected a non-empty string or an integer, got the number 1.5",
    "a.jsonl:7: dataset: must not be empty",
    "a.jsonl:7: image: must not be an empty list",
    "a.jsonl:7: AUs: expected array, got a string",
  ]);
  assert.deepEqual(errorsOf(sample({ meta_info: [] })), ["a.jsonl:7: meta_info: expected an object, got a list"]);
  assert.deepEqual(errorsOf(sample({ labels: ["anger", 3] })), ["a.jsonl:7: labels[1]: expected string, got the number 3"]);
  assert.deepEqual(errorsOf(sample({ id: 2 ** 60 })), ["a.jsonl:7: id: integer beyond the safe range (±2^53); write the id as a string"]);
});

test("a value that is not an object is one clear error", () => {
  assert.deepEqual(errorsOf([1, 2]), ["a.jsonl:7: a record must be a JSON object, got a list"]);
  assert.deepEqual(errorsOf(null), ["a.jsonl:7: a record must be a JSON object, got null"]);
  assert.deepEqual(errorsOf("text"), ["a.jsonl:7: a record must be a JSON object, got a string"]);
});

test("variant AU spellings are rejected with the canonical token as fix", () => {
  assert.deepEqual(errorsOf(sample({ AUs: ["au4", "AU04", "AU 12", "Au-6"] })), [
    'a.jsonl:7: AUs[0]: "au4" must be written AU<n> without zeros or spaces (fix: AU4)',
    'a.jsonl:7: AUs[1]: "AU04" must be written AU<n> without zeros or spaces (fix: AU4)',
    'a.jsonl:7: AUs[2]: "AU 12" must be written AU<n> without zeros or spaces (fix: AU12)',
    'a.jsonl:7: AUs[3]: "Au-6" must be written AU<n> without zeros or spaces (fix: AU6)',
  ]);
  assert.deepEqual(errorsOf(sample({ AUs: ["smile"] })), ['a.jsonl:7: AUs[0]: "smile" is not an Action Unit token; expected AU<n>, e.g. AU4']);
});

test("--fix rewrites AU spellings, removes repeats and reports what it did", () => {
  const record = sample({ AUs: ["au4", "AU04", "AU 12"] });
  const check = checkRecord(record, WHERE, { fix: true });
  assert.ok(check.ok);
  assert.equal(check.fixed, true);
  assert.deepEqual(check.record.AUs, ["AU4", "AU12"]);
  assert.deepEqual(record.AUs, ["au4", "AU04", "AU 12"], "the input value is not modified");
  assert.deepEqual(check.warnings.map(formatProblem), [
    'a.jsonl:7: AUs[0]: "au4" rewritten as AU4 (fix: AU4)',
    'a.jsonl:7: AUs[1]: "AU04" rewritten as AU4 (fix: AU4)',
    "a.jsonl:7: AUs[1]: AU4 is listed twice (removed) (fix: remove the repeat)",
    'a.jsonl:7: AUs[2]: "AU 12" rewritten as AU12 (fix: AU12)',
  ]);
  // A fix never rescues a record with another error.
  assert.deepEqual(errorsOf(sample({ AUs: ["au4"], question: 1 }), true), ["a.jsonl:7: question: expected string, got the number 1"]);
});

test("AUs outside the FACS catalogue and repeats are warnings, records kept", () => {
  assert.deepEqual(errorsOf(sample({ AUs: ["AU3", "AU1", "AU1"] })), []);
  assert.deepEqual(warningsOf(sample({ AUs: ["AU3", "AU1", "AU1"] })), [
    "a.jsonl:7: AUs[0]: AU3 is not an Action Unit of the FACS catalogue",
    "a.jsonl:7: AUs[2]: AU1 is listed twice (fix: remove the repeat)",
  ]);
});

test("labels outside the unified vocabulary warn, with the synonym as fix", () => {
  const record = sample({ labels: ["Happy", "happily surprised"] });
  assert.deepEqual(errorsOf(record), []);
  assert.deepEqual(warningsOf(record), [
    'a.jsonl:7: labels[0]: "Happy" is not in the unified vocabulary (fix: happiness)',
    'a.jsonl:7: labels[1]: "happily surprised" is not in the unified vocabulary (anger, disgust, fear, happiness, neutral, sadness, surprise, contempt)',
  ]);
  const fixed = checkRecord(record, WHERE, { fix: true });
  assert.ok(fixed.ok);
  assert.deepEqual(fixed.record.labels, ["happiness", "happily surprised"]);
  assert.deepEqual(warningsOf(sample({ labels: [] })), ["a.jsonl:7: labels: is empty; the trainer takes labels[0] as the ground truth"]);
});

test("unknown fields warn and are kept; a near miss suggests the rename", () => {
  const record = sample({ source: "x", Description: "y" });
  const { description: _d, ...withoutDescription } = record;
  const check = checkRecord(withoutDescription, WHERE);
  assert.ok(check.ok);
  assert.equal((check.record as Record<string, unknown>).source, "x");
  assert.deepEqual(check.warnings.map(formatProblem), [
    "a.jsonl:7: source: unknown field (kept)",
    "a.jsonl:7: Description: unknown field (kept) (fix: rename to description)",
  ]);
  assert.ok(check.warnings.every((w) => w.severity === "warning"));
});

test("fieldPath and idKey", () => {
  assert.equal(fieldPath(["AUs", 1]), "AUs[1]");
  assert.equal(fieldPath(["meta_info", "row"]), "meta_info.row");
  assert.equal(fieldPath([]), undefined);
  assert.equal(idKey({ id: 7 }), "7");
  assert.equal(idKey({ id: "7" }), "7");
});

/** Mutations that cover every branch of the fast path. */
function variants(): unknown[] {
  const values: unknown[] = [undefined, null, "", "x", 0, -1, 1.5, 2 ** 60, true, [], ["a"], [""], [1], {}, { a: 1 }, ["AU1"], ["anger"]];
  const fields = ["id", "dataset", "image", "question", "AUs", "labels", "description", "meta_info", "is_valid", "accu_reward_method", "extra"];
  const out: unknown[] = [sample(), null, [], "x", 3];
  for (const field of fields) {
    for (const value of values) {
      const record = sample();
      if (value === undefined) delete record[field];
      else record[field] = value;
      out.push(record);
    }
  }
  const tokens = ["AU1", "AU4", "AU3", "au4", "AU04", "AU 4", "AU", "AU0", "AU99", "", "x", 4, "AU46"];
  for (const a of tokens) for (const b of tokens) out.push(sample({ AUs: [a, b] }));
  const labels = ["anger", "contempt", "Anger", "happy", "neither", "", 1];
  for (const a of labels) for (const b of labels) out.push(sample({ labels: [a, b] }));
  out.push(sample({ image: ["a.png", ""] }), sample({ image: ["a.png", 2] }), sample({ AUs: ["AU1", "AU1"] }), sample({ id: -0 }));
  return out;
}

test("the fast path agrees with zod and the detailed check on every variant", () => {
  let clean = 0;
  for (const value of variants()) {
    const detailed = checkRecordDetailed(value, WHERE);
    const detailedClean = detailed.ok && detailed.warnings.length === 0;
    assert.equal(isCleanRecord(value), detailedClean, `disagree on ${JSON.stringify(value)}`);
    // Whatever the detailed check accepts, zod accepts too.
    if (detailed.ok) assert.equal(SampleSchema.safeParse(value).success, true, JSON.stringify(value));
    if (detailedClean) clean++;
    const viaFront = checkRecord(value, WHERE);
    assert.equal(viaFront.ok, detailed.ok, JSON.stringify(value));
  }
  assert.ok(clean > 10, "the variants include clean records");
});
