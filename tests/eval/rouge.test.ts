import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PreparedReferences, lcsLength, rougeScores, rougeTokenize } from "../../src/eval/metrics/rouge.js";

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
  // Every fifth position has no reference; candidates arrive in another order than references.
  const positions = pairs.map((_, i) => i).filter((i) => i % 5 !== 0);
  const order = [...positions].reverse();
  const run = async (useWorker: boolean) => {
    const pool = new RougePool(useWorker);
    try {
      for (const i of positions) pool.reference(i, pairs[i][0]);
      for (const i of order) {
        const wait = pool.score(i, pairs[i][1]);
        if (wait) await wait;
      }
      await pool.finish();
    } finally {
      await pool.close();
    }
    return { batches: pool.workerBatches, scores: pairs.map((_, i) => pool.fmeasures(i)) };
  };
  const onWorker = await run(true);
  const inline = await run(false);
  assert.ok(onWorker.batches >= 2, "the worker ran");
  assert.equal(inline.batches, 0);
  assert.deepEqual(onWorker.scores, inline.scores);
  assert.equal(inline.scores[0], undefined);
  const direct = rougeScores(pairs[1][0], pairs[1][1]);
  assert.deepEqual(inline.scores[1], [direct.rouge1.fmeasure, direct.rouge2.fmeasure, direct.rougeL.fmeasure]);
});

test("RougePool: fewer references than one batch are scored inline, without a worker", async () => {
  const { RougePool } = await import("../../src/eval/metrics/rouge-pool.js");
  const pool = new RougePool(true);
  try {
    for (let i = 0; i < 50; i++) pool.reference(i, `brows raised ${i}`);
    for (let i = 0; i < 50; i++) assert.equal(pool.score(i, "brows lowered"), undefined);
    await pool.finish();
  } finally {
    await pool.close();
  }
  assert.equal(pool.workerBatches, 0);
  assert.equal(pool.fmeasures(3)![0], rougeScores("brows raised 3", "brows lowered").rouge1.fmeasure);
});

test("RougePool: a worker that dies fails the scoring with its error instead of leaving holes", async () => {
  const { RougePool } = await import("../../src/eval/metrics/rouge-pool.js");
  const pool = new RougePool(true);
  try {
    for (let i = 0; i < 2500; i++) pool.reference(i, `brows raised ${i}`);
    // Position 5000 has no reference: the worker throws on it.
    for (const position of [0, 5000, 1]) {
      const wait = pool.score(position, "brows lowered");
      if (wait) await wait;
    }
    await assert.rejects(pool.finish(), /ROUGE scoring on its worker thread failed: internal error: no reference to score at position 5000/);
    assert.throws(() => pool.score(2, "more"), /worker thread failed/);
  } finally {
    await pool.close();
  }
});

test("PreparedReferences score like rougeScores, with bounded caches and references added between scorings", () => {
  // A cache bound of 8 tokens empties the caches between most calls; ids must not change.
  const prepared = new PreparedReferences({ stem: true }, 8);
  const references = Array.from({ length: 40 }, (_, i) => `Meeting friends ${i} times, word${i} and running word${i + 1}`);
  references.forEach((reference, i) => prepared.add(i, reference));
  const candidates = references.map((_, i) => `friends meet word${i + 1} running ${i} ${i % 3 ? "times" : "zebras"} ${"x".repeat(12 + (i % 3))}`);
  for (let i = references.length - 1; i >= 0; i--) assert.deepEqual(prepared.score(i, candidates[i]), rougeScores(references[i], candidates[i]), `pair ${i}`);
  assert.throws(() => prepared.score(0, "again"), /no reference to score at position 0/);
  assert.throws(() => prepared.score(1000, "never added"), /no reference to score at position 1000/);
  const unbounded = new PreparedReferences({ stem: false });
  // Words of the first candidate (a long one too) are cached as unknown; a later reference
  // learns some of them, and the unknown rest must still match nothing.
  const longWord = "x".repeat(13);
  unbounded.add(0, "horses run");
  unbounded.score(0, `the zebras lions ran ${longWord} ${longWord}y fast`);
  for (const [i, [late, candidate]] of [
    [`zebras run ${longWord} past`, `the zebras ran ${longWord} fast`],
    ["zebras walk", "lions walk"],
    [`${longWord}y walk`, `${longWord} walk`],
  ].entries()) {
    unbounded.add(1 + i, late);
    assert.deepEqual(unbounded.score(1 + i, candidate), rougeScores(late, candidate, NO_STEM), `late reference ${i}`);
  }
  unbounded.add(7, "a b a b");
  assert.deepEqual(unbounded.score(7, "a b a b a b"), rougeScores("a b a b", "a b a b a b", NO_STEM));
  // A reference over 64 tokens with more than 256 distinct ones takes the general counting path.
  const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ");
  const longCandidate = "w1 w2 unseen w3 w299 other w1 w2";
  unbounded.add(8, long);
  assert.deepEqual(unbounded.score(8, longCandidate), rougeScores(long, longCandidate, NO_STEM));
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
