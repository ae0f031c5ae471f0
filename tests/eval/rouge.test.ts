import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lcsLength, rougeScores, rougeTokenize } from "../../src/eval/metrics/rouge.js";

const NO_STEM = { stem: false };

test("ROUGE matches every value of the rouge_score vectors", () => {
  const lines = readFileSync(join(import.meta.dirname, "fixtures", "rouge-vectors.sample.jsonl"), "utf8").split("\n").filter(Boolean);
  assert.equal(lines.length, 150);
  for (const line of lines) {
    const v = JSON.parse(line);
    const got = rougeScores(v.target, v.prediction, { stem: v.use_stemmer });
    for (const key of ["rouge1", "rouge2", "rougeL"] as const) {
      assert.deepEqual(
        { p: got[key].precision, r: got[key].recall, f: got[key].fmeasure },
        { p: v[key].p, r: v[key].r, f: v[key].f },
        `${key} of ${JSON.stringify(v.target)} / ${JSON.stringify(v.prediction)}`,
      );
    }
  }
});

test("ROUGE reproduces rouge_score's published unit-test values", () => {
  const r1 = rougeScores("testing one two", "testing", NO_STEM).rouge1;
  assert.deepEqual([r1.precision, r1.recall, r1.fmeasure], [1, 1 / 3, 1 / 2]);
  const r2 = rougeScores("testing one two", "testing one", NO_STEM).rouge2;
  assert.deepEqual([r2.precision, r2.recall, r2.fmeasure], [1, 1 / 2, 2 / 3]);
  const rl = rougeScores("testing one two", "testing one", NO_STEM).rougeL;
  assert.deepEqual([rl.precision, rl.recall], [1, 2 / 3]);
  assert.equal(rl.fmeasure, 4 / 5);
  assert.equal(rougeScores("testing one two", "testing two", NO_STEM).rougeL.fmeasure, 4 / 5);
  for (const [ref, cand] of [["testing one two", ""], ["", "testing one two"], ["", ""]]) {
    const s = rougeScores(ref, cand);
    for (const key of ["rouge1", "rouge2", "rougeL"] as const) assert.deepEqual(s[key], { precision: 0, recall: 0, fmeasure: 0 });
  }
  assert.deepEqual(rougeTokenize("the friends had a meeting", { stem: true }), ["the", "friend", "had", "a", "meet"]);
});

test("tokenizer lowercases, splits on non-alphanumerics, drops non-ASCII and stems only long tokens", () => {
  assert.deepEqual(rougeTokenize("<think>AU12 & Cheeks-raised!</think>", NO_STEM), ["think", "au12", "cheeks", "raised", "think"]);
  assert.deepEqual(rougeTokenize("café naïve 笑顔 smiles", NO_STEM), ["caf", "na", "ve", "smiles"]);
  assert.deepEqual(rougeTokenize("runs ran running", { stem: true }), ["run", "ran", "run"]);
  assert.deepEqual(rougeTokenize("dies", { stem: true }), ["die"]);
  assert.deepEqual(rougeTokenize("ties tie", { stem: false }), ["ties", "tie"]);
  // Three-letter tokens are never stemmed: "ies" would become "i".
  assert.deepEqual(rougeTokenize("ies was", { stem: true }), ["ies", "was"]);
  assert.deepEqual(rougeTokenize("", { stem: true }), []);
});

test("ROUGE-2 clips repeated bigrams and ROUGE-1 clips repeated words", () => {
  const s = rougeScores("a b a b", "a b a b a b", NO_STEM);
  assert.equal(s.rouge1.precision, 4 / 6);
  assert.equal(s.rouge1.recall, 1);
  assert.equal(s.rouge2.precision, 3 / 5);
  assert.equal(s.rouge2.recall, 1);
});

test("lcsLength", () => {
  const lcs = (a: number[], b: number[]) => lcsLength(Int32Array.from(a), Int32Array.from(b));
  assert.equal(lcs([1, 2, 3, 4], [2, 4, 3]), 2);
  assert.equal(lcs([], [1]), 0);
  assert.equal(lcs([1, 1, 1], [1, 1]), 2);
  assert.equal(lcs([5, 1, 2], [1, 2, 5, 1, 2]), 3);
  // Longer than the preallocated rows, then shorter again.
  const long = Array.from({ length: 600 }, (_, i) => i % 7);
  assert.equal(lcs(long, long), 600);
  assert.equal(lcs([3, 2, 1], [1, 2, 3]), 1);
});

test("bit-parallel lcsLength equals the textbook table on random sequences of every width", async () => {
  const { lcsLengthTable } = await import("../../src/eval/metrics/rouge.js");
  let seed = 99;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 400; round++) {
    const alphabet = 1 + Math.floor(next() * 12);
    const a = Int32Array.from({ length: Math.floor(next() * 140) }, () => Math.floor(next() * alphabet) * 37);
    const b = Int32Array.from({ length: Math.floor(next() * 140) }, () => Math.floor(next() * alphabet) * 37);
    assert.equal(lcsLength(a, b), lcsLengthTable(a, b), `round ${round}`);
  }
  // Ids far above the scratch table's initial size.
  assert.equal(lcsLength(Int32Array.from([200000, 1, 200000]), Int32Array.from([200000, 200000])), 2);
});

test("the id-based scorer agrees with a plain string implementation on random mixed-case, non-ASCII text", () => {
  const words = ["Smile", "smiles", "SMILING", "brow", "Brows", "raised", "raise", "AU12", "au6", "İnner", "Kelvin", "café", "the", "a", "lips", "Lip", "pressed", "12", "x"];
  const seps = [" ", ", ", ". ", "\n", "-", "—", "  ", "<think>", "</answer>"];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const text = () => Array.from({ length: Math.floor(next() * 40) }, () => words[Math.floor(next() * words.length)] + seps[Math.floor(next() * seps.length)]).join("");
  const naive = (ref: string[], cand: string[]) => {
    const grams = (t: string[], n: number) => {
      const m = new Map<string, number>();
      for (let i = 0; i + n <= t.length; i++) m.set(t.slice(i, i + n).join(" "), (m.get(t.slice(i, i + n).join(" ")) ?? 0) + 1);
      return m;
    };
    const overlap = (a: Map<string, number>, b: Map<string, number>) => [...a].reduce((s, [k, v]) => s + Math.min(v, b.get(k) ?? 0), 0);
    const table: number[][] = Array.from({ length: ref.length + 1 }, () => new Array(cand.length + 1).fill(0));
    for (let i = 1; i <= ref.length; i++)
      for (let j = 1; j <= cand.length; j++) table[i][j] = ref[i - 1] === cand[j - 1] ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
    return [overlap(grams(ref, 1), grams(cand, 1)), overlap(grams(ref, 2), grams(cand, 2)), table[ref.length][cand.length]];
  };
  for (let round = 0; round < 300; round++) {
    const ref = text();
    const cand = text();
    for (const stem of [true, false]) {
      const r = rougeTokenize(ref, { stem });
      const c = rougeTokenize(cand, { stem });
      const [o1, o2, lcs] = naive(r, c);
      const got = rougeScores(ref, cand, { stem });
      assert.equal(got.rouge1.precision, o1 / Math.max(c.length, 1));
      assert.equal(got.rouge1.recall, o1 / Math.max(r.length, 1));
      assert.equal(got.rouge2.precision, o2 / Math.max(c.length - 1, 1));
      assert.equal(got.rouge2.recall, o2 / Math.max(r.length - 1, 1));
      assert.equal(got.rougeL.recall, r.length && c.length ? lcs / r.length : 0);
    }
  }
  assert.deepEqual(rougeTokenize("İnner K", { stem: false }), ["i", "nner", "k"]);
});

test("RougePool: the worker thread scores batches exactly like inline scoring", async () => {
  const { RougePool } = await import("../../src/eval/metrics/rouge-pool.js");
  const pairs = Array.from({ length: 4100 }, (_, i) => [`the friends had a meeting ${i % 13} times`, `Friends meet ${i % 7}: meetings, friendly.`] as const);
  const onWorker = new Float64Array(pairs.length * 3);
  const pool = new RougePool(onWorker, true);
  try {
    for (const [i, [ref, cand]] of pairs.entries()) {
      const wait = pool.add(i, ref, cand);
      if (wait) await wait;
    }
    await pool.finish();
  } finally {
    await pool.close();
  }
  assert.ok(pool.workerBatches >= 2, "the worker ran");
  const inline = new Float64Array(pairs.length * 3);
  const direct = new RougePool(inline, false);
  pairs.forEach(([ref, cand], i) => direct.add(i, ref, cand));
  await direct.finish();
  assert.equal(direct.workerBatches, 0);
  assert.deepEqual(onWorker, inline);
  assert.equal(inline[2], rougeScores(pairs[0][0], pairs[0][1]).rougeL.fmeasure);
});

test("the token table keeps ids right across growth (rehash) of a large vocabulary", () => {
  const reference = Array.from({ length: 70000 }, (_, i) => `w${i}`).join(" ");
  const s = rougeScores(reference, "w5 w69999 w123 unknownword w5", NO_STEM);
  assert.equal(s.rouge1.precision, 3 / 5);
  assert.equal(s.rouge1.recall, 3 / 70000);
  assert.equal(s.rougeL.precision, 2 / 5, "w5 then w69999 (or w123) in order");
  // Ids seen before the growth still resolve to the same tokens.
  assert.equal(rougeScores("w1 w2 w3", "w3 w2 w1", NO_STEM).rouge1.fmeasure, 1);
  assert.equal(rougeScores("w1 w2 w3", "w3 w2 w1", NO_STEM).rougeL.fmeasure, 1 / 3);
});
