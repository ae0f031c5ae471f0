import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scoreCompletion, scoreBatch, NEUTRAL_SCORES } from "../../src/rewards/score.js";
import { DEFAULT_REWARD_SPEC, REWARD_PRESETS, RewardSpecSchema } from "../../src/schema/reward-spec.js";
import { publishedFormat } from "../../src/rewards/format.js";
import { VECTOR_FILE, renderRewardVectors } from "../../scripts/generate-reward-vectors.js";

const N = REWARD_PRESETS.normalized;
const happy = { AUs: ["AU6", "AU12"], labels: ["happiness"] };

test("the published sample: every line of tests/fixtures/reward-vectors.sample.jsonl", () => {
  const lines = readFileSync(join(import.meta.dirname, "..", "fixtures", "reward-vectors.sample.jsonl"), "utf8").split("\n").filter(Boolean);
  assert.ok(lines.length >= 40);
  for (const line of lines) {
    const v = JSON.parse(line) as { completion: string; AUs: string[]; labels: string[]; expected: object };
    assert.deepEqual(scoreCompletion(v.completion, v), v.expected, v.completion);
  }
});

test("tests/fixtures/reward-vectors.jsonl is what scripts/generate-reward-vectors.ts builds now", () => {
  assert.ok(readFileSync(VECTOR_FILE, "utf8") === renderRewardVectors(), "stale: run node --import tsx scripts/generate-reward-vectors.ts");
});

test("format: a full match, with the lazy groups free to span tags", () => {
  assert.equal(publishedFormat("<think>a</think>\n<answer>b</answer>"), 1);
  assert.equal(publishedFormat("<think>a</think><answer>b</answer><answer>c</answer>"), 1, "two answers still match");
  assert.equal(publishedFormat("<think>a</think>x</think>\n<answer>b</answer>"), 1, "a later </think> can close");
  assert.equal(publishedFormat("<think>a</think><answer>b</answer>\n"), 0, "trailing newline");
  assert.equal(publishedFormat(" <think>a</think><answer>b</answer>"), 0, "leading space");
  assert.equal(publishedFormat("<think>a</think>\ufeff<answer>b</answer>"), 0, "U+FEFF is not Python whitespace");
  assert.equal(publishedFormat("<think>a</think>\x1c<answer>b</answer>"), 1, "U+001C is");
  assert.equal(publishedFormat("<THINK>a</THINK><answer>b</answer>"), 0);
  assert.equal(publishedFormat("<think></answer>"), 0);
});

test("accuracy and AU quirks of the facial-r1 preset, and what normalized does instead", () => {
  const c = (answer: string, think = "AU6 AU12") => `<think>${think}</think><answer>${answer}</answer>`;
  assert.equal(scoreCompletion(c("Happiness"), happy).accuracy, 0);
  assert.equal(scoreCompletion(c("Happiness"), happy, N).accuracy, 1);
  assert.equal(scoreCompletion(c("happiness."), happy).accuracy, 0);
  assert.equal(scoreCompletion(c("happy!"), happy, N).accuracy, 1);
  assert.equal(scoreCompletion(c(" happiness\n"), happy).accuracy, 1);
  assert.equal(scoreCompletion("happiness", happy).accuracy, 1, "no answer block: the whole completion");
  assert.equal(scoreCompletion(c("fear") + "<answer>happiness</answer>", happy).accuracy, 1, "the last answer block");
  assert.equal(scoreCompletion(c("x"), { AUs: [], labels: ["<answer> </answer>"] }).accuracy, 0.5, "empty ground truth");
  assert.equal(scoreCompletion(c("x", "au6 au12"), happy).au, 1, "au6 counts");
  assert.equal(scoreCompletion(c("x", "AU 6, AU 12"), happy).au, -1, "AU 6 does not");
  assert.equal(scoreCompletion(c("x", "AU 6, AU 12"), happy, N).au, 1);
  assert.equal(scoreCompletion(c("x", "AU06 AU12"), happy).au, 2 * (2 * 0.5 * 0.5 / (0.5 + 0.5)) - 1, "AU06 is not AU6");
  assert.equal(scoreCompletion(c("x", "AU06 AU12"), happy, N).au, 1);
  assert.equal(scoreCompletion(c("x", "AU1"), { AUs: ["AU12"], labels: ["x"] }).au, -1, "AU1 is not AU12");
  assert.equal(scoreCompletion("<think>none</think><answer>AU6 AU12</answer>", happy).au, -1, "AUs only in the answer");
  assert.equal(scoreCompletion("<think>none</think><answer>AU6 AU12</answer>", happy, N).au, 1);
  assert.equal(scoreCompletion(c("x", "AU\u0666"), { AUs: ["au\u0666"], labels: ["x"] }).au, 1, "Arabic-Indic 6 is a \\d in Python");
  assert.equal(scoreCompletion(c("x", "AU12"), { AUs: [], labels: ["x"] }).au, 0);
  assert.equal(scoreCompletion(c("x", "AU12"), happy).au, 0.33333333333333326);
});

test("weights, beta and clamp: total = format*w + accuracy*w + au*w, then clamped", () => {
  const spec = RewardSpecSchema.parse({ weights: { format: 0.5, accuracy: 2, au: 3 }, beta: 2, clamp: [-1, 2.6] });
  const s = scoreCompletion("<think>AU12</think><answer>happiness</answer>", happy, spec);
  const f2 = (5 * 1 * 0.5) / (4 * 1 + 0.5);
  assert.equal(s.au, 2 * f2 - 1);
  assert.equal(s.total, Math.min(2.6, 0.5 + 2 + s.au * 3));
  assert.equal(scoreCompletion("x", { AUs: ["AU1"], labels: ["y"] }, spec).total, -1, "clamped below");
});

test("bad input never throws: non-text completions are neutral, malformed columns follow the rules", () => {
  for (const bad of [null, undefined, 5, {}, [], ["text"], [{ content: 3 }]]) assert.deepEqual(scoreCompletion(bad, happy), NEUTRAL_SCORES);
  assert.deepEqual(scoreCompletion([{ role: "assistant", content: "happiness" }], happy).accuracy, 1);
  assert.equal(scoreCompletion("happiness", { labels: "happiness" }).accuracy, 0.5);
  assert.equal(scoreCompletion("<think>AU6</think>", { AUs: "AU6" }).au, 0);
  assert.equal(scoreCompletion("<think>AU6</think>", { AUs: [6, "AU6"] }).au, 1);
  assert.equal(scoreCompletion("<answer>happiness</answer>", { solution: "<answer> happiness </answer>" }).accuracy, 1);
  assert.equal(scoreCompletion("<think>AU6</think>", { solution: "<think>AU6 AU12</think>" }).au, 0.33333333333333326);
  assert.deepEqual(scoreCompletion("x", null as never), { format: 0, accuracy: 0.5, au: 0, total: 0.5 });
  assert.equal(scoreBatch([{ completion: "happiness", ...happy }, { completion: 1 }]).length, 2);
});

test("the spec schema: defaults, presets, validation", () => {
  assert.deepEqual(DEFAULT_REWARD_SPEC.weights, { format: 1, accuracy: 1, au: 1 });
  assert.equal(DEFAULT_REWARD_SPEC.preset, "facial-r1");
  assert.equal(DEFAULT_REWARD_SPEC.clamp, null);
  assert.equal(REWARD_PRESETS.normalized.preset, "normalized");
  assert.ok(DEFAULT_REWARD_SPEC.labels.happiness.includes("happy"));
  assert.equal(RewardSpecSchema.safeParse({ beta: 0 }).success, false);
  assert.equal(RewardSpecSchema.safeParse({ clamp: [1, -1] }).success, false);
  assert.equal(RewardSpecSchema.safeParse({ weights: { au: Number.NaN } }).success, false);
  assert.equal(RewardSpecSchema.safeParse({ preset: "other" }).success, false);
  assert.equal(RewardSpecSchema.safeParse({ wieghts: {} }).success, false, "unknown keys are errors");
  assert.deepEqual(RewardSpecSchema.parse({ clamp: [-10, 10] }).clamp, [-10, 10]);
});

test("the hand-written AU scanner equals its regex specification on every vector completion", async () => {
  const { publishedAUsInText, publishedAUsInTextByRegex } = await import("../../src/rewards/au.js");
  const texts = readFileSync(VECTOR_FILE, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { completion: unknown }).completion)
    .filter((c): c is string => typeof c === "string");
  texts.push("AAU1", "AUAU1", "aU\u{1d7d2}\u{1d7d3}x", "AU\ud835", "AU\u{11f54}", "au");
  for (const text of texts) assert.deepEqual([...publishedAUsInText(text)], [...publishedAUsInTextByRegex(text)], text.slice(0, 80));
});

test("scoredLineJson writes what JSON.stringify writes", async () => {
  const { scoredLineJson } = await import("../../src/rewards/score-file.js");
  const lines = [
    { format: 1, accuracy: 0.5, au: 0.33333333333333326, total: 1.8333333333333333 },
    { format: 0, accuracy: -0, au: -1, total: 1e-7 },
    { format: 0, accuracy: 0, au: 0, total: 0, error: 'a.jsonl:3: invalid JSON: "\\u0000"\n' },
  ];
  for (const line of lines) assert.equal(scoredLineJson(line), JSON.stringify(line));
});
