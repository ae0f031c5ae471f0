import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeLabel, extractResponse, parseOpenRlhfRequest, parseScoreRequest, RequestError, stripEndTokens } from "../../src/rewards/openrlhf.js";
import { normalizedScore, describeScoreMapping } from "../../src/rewards/server.js";
import { totalRange, weightedTotal } from "../../src/rewards/reward-range.js";
import { REWARD_PRESETS, RewardSpecSchema } from "../../src/schema/reward-spec.js";
import { QWEN_PROMPT } from "./http.js";

const ANSWER = "<think>Cheeks raised (AU6), lip corners pulled (AU12).</think>\n<answer>happiness</answer>";

test("the response is the query minus the prompt, without the trailing end and padding tokens", () => {
  const query = `${QWEN_PROMPT}${ANSWER}<|im_end|>\n<|endoftext|><|endoftext|>`;
  assert.deepEqual(extractResponse(query, QWEN_PROMPT), { response: ANSWER, extraction: "prefix" });
});

test("whitespace the model wrote before the end token is kept (the format reward judges it)", () => {
  assert.equal(stripEndTokens(`${ANSWER}\n<|im_end|>`), `${ANSWER}\n`);
  assert.equal(stripEndTokens(`${ANSWER} `), `${ANSWER} `);
  assert.equal(stripEndTokens("a</s>"), "a");
  assert.equal(stripEndTokens("<|im_end|>"), "");
});

test("when the prompt is not a prefix, the text after the last assistant marker is the response", () => {
  const query = `${QWEN_PROMPT}${ANSWER}<|im_end|>`;
  const changedPrompt = QWEN_PROMPT.replace("helpful", "useful");
  assert.deepEqual(extractResponse(query, changedPrompt), { response: ANSWER, extraction: "assistant_marker" });
  assert.deepEqual(extractResponse(query, undefined), { response: ANSWER, extraction: "assistant_marker" });
  const llama = `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n${ANSWER}<|eot_id|>`;
  assert.deepEqual(extractResponse(llama, "something else"), { response: ANSWER, extraction: "assistant_marker" });
});

test("without prompt prefix or marker the whole query is the response", () => {
  assert.deepEqual(extractResponse(`${ANSWER}</s>`, "nope"), { response: ANSWER, extraction: "whole_query" });
});

test("labels: a JSON object string, an object, or a plain emotion word", () => {
  assert.deepEqual(decodeLabel('{"AUs": ["AU6", "AU12"], "labels": ["happiness"]}', 0), { AUs: ["AU6", "AU12"], labels: ["happiness"] });
  assert.deepEqual(decodeLabel({ labels: ["anger"], solution: "<answer>anger</answer>" }, 0), { labels: ["anger"], solution: "<answer>anger</answer>" });
  assert.deepEqual(decodeLabel("sadness", 0), { labels: ["sadness"] });
  assert.deepEqual(decodeLabel(["sadness", "fear"], 0), { labels: ["sadness", "fear"] });
  assert.deepEqual(decodeLabel("<answer>sadness</answer>", 0), { labels: ["<answer>sadness</answer>"] });
});

test("bad labels are rejected with the index and the field", () => {
  const cases: [unknown, RegExp][] = [
    [null, /labels\[3\] is null: start OpenRLHF with --data\.label_key/],
    ['{"AUs": "AU6"}', /labels\[3\]\.AUs: .*expected array/],
    ['{"labels": [1]}', /labels\[3\]\.labels\[0\]: .*expected string/],
    ["{not json", /labels\[3\]: starts with "\{" but is not valid JSON/],
    ['{"emotion": "x"}', /none of the keys "AUs", "labels", "solution"/],
    [42, /labels\[3\]: expected a string .* got a number/],
    [["happiness", 3], /labels\[3\]\[1\]: expected a string, got a number/],
    ["  ", /empty label/],
  ];
  for (const [label, message] of cases) {
    assert.throws(
      () => decodeLabel(label, 3),
      (err: unknown) => err instanceof RequestError && err.status === 400 && message.test(err.message),
      String(label),
    );
  }
});

test("an OpenRLHF body is validated as a whole", () => {
  const bad: [unknown, RegExp][] = [
    [[], /expected a JSON object/],
    [{}, /missing field "query"/],
    [{ query: "x" }, /missing field "labels"/],
    [{ query: ["x"], labels: null }, /missing field "labels": start OpenRLHF with --data\.label_key/],
    [{ query: ["a", "b"], labels: ["x"] }, /labels has 1 item\(s\) but query has 2/],
    [{ query: ["a"], prompts: ["a", "b"], labels: ["x"] }, /prompts has 2/],
    [{ query: [1], labels: ["x"] }, /query\[0\]: expected a string, got a number/],
    [{ query: ["a"], labels: "x", prompts: [null] }, /prompts\[0\]: expected a string, got null/],
    [{ query: ["a"], labels: { a: 1 } }, /labels: expected an array/],
  ];
  for (const [body, message] of bad) {
    assert.throws(() => parseOpenRlhfRequest(body), (err: unknown) => err instanceof RequestError && message.test(err.message), JSON.stringify(body));
  }
  const items = parseOpenRlhfRequest({ query: [`${QWEN_PROMPT}${ANSWER}<|im_end|>`, "plain"], prompts: [QWEN_PROMPT, "q"], labels: ["happiness", '{"labels":["anger"]}'] });
  assert.deepEqual(
    items.map((i) => [i.completion, i.truth, i.extraction]),
    [
      [ANSWER, { labels: ["happiness"] }, "prefix"],
      ["plain", { labels: ["anger"] }, "whole_query"],
    ],
  );
});

test("native batch items are validated with their index", () => {
  assert.deepEqual(parseScoreRequest([{ completion: "c", AUs: ["AU1"], labels: ["fear"], other: 1 }]), [{ completion: "c", truth: { AUs: ["AU1"], labels: ["fear"] } }]);
  assert.deepEqual(parseScoreRequest({ items: [{ completion: "c" }] }), [{ completion: "c", truth: {} }]);
  assert.throws(() => parseScoreRequest([{ completion: "c" }, { AUs: [] }]), /\[1\]\.completion/);
  assert.throws(() => parseScoreRequest("x"), /expected a JSON array/);
});

test("score = (total - min) / (max - min) over the spec's reward range, clamped to [0, 1]", () => {
  const range = totalRange(REWARD_PRESETS["facial-r1"]);
  assert.deepEqual(range, { min: -1, max: 3 });
  assert.equal(describeScoreMapping(range), "(total + 1) / 4, clamped to [0, 1]");
  assert.equal(normalizedScore(3, range), 1);
  assert.equal(normalizedScore(-1, range), 0);
  assert.equal(normalizedScore(1, range), 0.5);
  assert.equal(normalizedScore(7, range), 1);
  assert.equal(normalizedScore(Number.NaN, range), 0);
  const weighted = RewardSpecSchema.parse({ weights: { format: 0.5, accuracy: 2, au: -1 }, clamp: [-0.5, 10] });
  assert.deepEqual(totalRange(weighted), { min: -0.5, max: 3.5 });
  assert.deepEqual(totalRange(weighted, ["format", "accuracy"]), { min: 0, max: 2.5 });
  assert.equal(weightedTotal(weighted, { format: 1, accuracy: 1, au: 1 }, ["format", "accuracy"]), 2.5);
  assert.equal(weightedTotal(weighted, { format: 0, accuracy: 0, au: 1 }, ["au"]), -0.5);
});
