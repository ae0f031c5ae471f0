import { test } from "node:test";
import assert from "node:assert/strict";
import { pltrdyRougeL, pltrdySentences } from "../../src/eval/metrics/pltrdy-rouge.js";
import { REGE_CLASSES, descriptionToEmotion, readRegeAuNumbers, regeAuF1, regeAuRecognition } from "../../src/eval/metrics/rege.js";

const f = (p: number, r: number) => 2.0 * ((p * r) / (p + r + 1e-8));

test("pltrdy sentences: split on '.', empty pieces dropped before whitespace is normalised", () => {
  assert.deepEqual(pltrdySentences("the cat sat. on  the\tmat"), ["the cat sat", "on the mat"]);
  assert.deepEqual(pltrdySentences("a. . b."), ["a", "", "b"]);
  assert.deepEqual(pltrdySentences("..."), []);
});

test("pltrdy ROUGE-L: summary-level union LCS over distinct words", () => {
  // Reference sentence 1 shares {the, cat} with hypothesis sentence 1 and {on, mat} with sentence 2;
  // reference sentence 2 adds {sat}. Distinct words: reference 8, hypothesis 5.
  const s = pltrdyRougeL("the cat sat. on the mat", "the cat was on a mat. it sat")!;
  assert.equal(s.r, 5 / 8);
  assert.equal(s.p, 5 / 5);
  assert.equal(s.f, f(1, 5 / 8));
  const repeated = pltrdyRougeL("a a a", "a b")!;
  assert.deepEqual([repeated.p, repeated.r], [1, 0.5]);
  // A whitespace-only piece is a sentence whose one word is "".
  const blank = pltrdyRougeL(" . x", "x")!;
  assert.deepEqual([blank.p, blank.r], [0.5, 1]);
  // No lowercasing, no stemming.
  assert.equal(pltrdyRougeL("The Cats", "the cat")!.f, 0);
  // Words counted once across reference sentences.
  const twice = pltrdyRougeL("x y", "x. x y")!;
  assert.deepEqual([twice.p, twice.r], [1, 1]);
});

test("pltrdy ROUGE-L is undefined where the package raises: no sentence on a side", () => {
  assert.equal(pltrdyRougeL("", "a b"), undefined);
  assert.equal(pltrdyRougeL("..", "a b"), undefined);
  assert.equal(pltrdyRougeL("a b", ""), undefined);
});

test("descriptionToEmotion: negated sentences dropped, first synonym in the first sentence wins", () => {
  assert.equal(descriptionToEmotion("The person looks happy. They are not sad."), "happiness");
  // Word order decides before class order: "calm" (neutral) comes before "smile" (happiness).
  assert.equal(descriptionToEmotion("A calm smile."), "neutral");
  // A word in two classes goes to the earlier class.
  assert.equal(descriptionToEmotion("Discomfort."), "sadness");
  assert.equal(descriptionToEmotion("Curiosity."), "surprise");
  assert.equal(descriptionToEmotion("Displeased."), "anger");
  // "no" inside "nose" marks the only sentence as negated; then the whole text is used.
  assert.equal(descriptionToEmotion("The nose is wrinkled in disgust."), "disgust");
  assert.equal(descriptionToEmotion("I know she is joyful. Anger shows."), "anger");
});

test("descriptionToEmotion: otherwise the most frequent class in the rest, earliest class on ties", () => {
  assert.equal(descriptionToEmotion("Eyebrows are raised. She seems surprised and curious."), "surprise");
  assert.equal(descriptionToEmotion("Face. Tension and worry, with anger."), "fear");
  assert.equal(descriptionToEmotion("Face. Anguish and fear."), "sadness");
  assert.equal(descriptionToEmotion("Face. Joy and anguish."), "happiness");
  assert.equal(descriptionToEmotion("Hmm."), "happiness");
  // "e.g." does not end a sentence for the negation filter; the first sentence still ends at its first dot.
  assert.equal(descriptionToEmotion("Signs, e.g. a frown, show anger. Not happy."), "anger");
  // No sentence end on the first line: the text is read as one sentence.
  assert.equal(descriptionToEmotion("Face\nwith anger."), "anger");
  assert.equal(descriptionToEmotion("happy face"), "happiness");
  assert.deepEqual(REGE_CLASSES, ["happiness", "sadness", "surprise", "anger", "neutral", "disgust", "fear"]);
});

test("REGE AU reading and per-AU F1 as FABA-Bench computes them", () => {
  assert.deepEqual([...readRegeAuNumbers("AU1, AU04, au6, AU12 AU1")], ["1", "04", "12"]);
  assert.equal(regeAuF1({ tp: 1, fp: 1, fn: 0, tn: 2 }), (2 * 0.5 * 1) / 1.5);
  assert.equal(regeAuF1({ tp: 0, fp: 2, fn: 1, tn: 2 }), 0);
  assert.equal(regeAuF1({ tp: 0, fp: 0, fn: 0, tn: 5 }), undefined, "all negative: 1x1 confusion matrix, AU skipped");
  assert.equal(regeAuF1({ tp: 4, fp: 0, fn: 0, tn: 0 }), undefined, "all positive: skipped too");
  assert.equal(regeAuF1({ tp: 0, fp: 1, fn: 0, tn: 3 }), 0, "no positive in truth but a false positive: F1 0, kept");
  const recognition = regeAuRecognition((au) => (au === "1" ? { tp: 1, fp: 0, fn: 1, tn: 0 } : au === "2" ? { tp: 0, fp: 1, fn: 0, tn: 1 } : { tp: 0, fp: 0, fn: 0, tn: 2 }));
  assert.equal(recognition.s_re, (2 / 3 + 0) / 2);
  assert.equal(recognition.per_au.AU1, 2 / 3);
  assert.equal(recognition.per_au.AU43, null);
});
