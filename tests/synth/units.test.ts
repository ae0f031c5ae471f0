import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { answerLabels, checkSynthOutput, outputAUs } from "../../src/synth/quality-check.js";
import { CORRECTION_HEADER, GROUND_TRUTH_HEADER, buildSynthPrompt, correctionMessage, groundTruthSection } from "../../src/synth/synth-prompt.js";
import { buildPrompt } from "../../src/eval/prompt.js";
import { synthTruthOf, synthesisAnswer } from "../servers/openai-stand-in.js";

const truth = { AUs: ["AU4", "AU1"], labels: ["sadness"] };
const codes = (output: string, t = truth) => checkSynthOutput(output, t).problems.map((p) => p.code);

describe("synthesis quality check (method.md, stage 3)", () => {
  it("passes an output with exactly the ground-truth AUs and label, in any order and repetition", () => {
    const r = checkSynthOutput("<think>Brows raised (AU1) and lowered (AU4); AU1 again.</think>\n<answer> sadness </answer>", truth);
    assert.equal(r.passed, true, JSON.stringify(r.problems));
    assert.deepEqual(r.aus, ["AU1", "AU4"]);
    assert.deepEqual(r.labels, ["sadness"]);
  });

  it("reads AUs from the whole output, case-sensitively, with Python's digits", () => {
    assert.deepEqual(outputAUs("<think>AU1</think><answer>AU4 sadness</answer>"), ["AU1", "AU4"]);
    assert.deepEqual(outputAUs("au4 AU 4 AU04 AU10 AU2"), ["AU2", "AU04", "AU10"].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2))));
    assert.deepEqual(outputAUs("AU\u0664"), ["AU\u0664"]);
    // An AU mentioned only in the answer still counts; one in the wrong case does not.
    assert.deepEqual(codes("<think>AU1 shows.</think><answer>sadness</answer> AU4"), []);
    assert.deepEqual(codes("<think>AU1 and au4.</think><answer>sadness</answer>"), ["au_mismatch"]);
    assert.deepEqual(codes("<think>AU1, AU04.</think><answer>sadness</answer>"), ["au_mismatch"]);
    assert.deepEqual(codes("<think>AU1, AU4, AU12.</think><answer>sadness</answer>"), ["au_mismatch"]);
  });

  it("names missing and extra AUs in the problem", () => {
    const [problem] = checkSynthOutput("<think>AU1 and AU12.</think><answer>sadness</answer>", truth).problems;
    assert.equal(problem.message, "the Action Units named (AU1, AU12) differ from the ground truth (AU1, AU4): missing AU4; not in the ground truth: AU12");
  });

  it("splits answer labels on commas only, stripped, sorted and unique", () => {
    assert.deepEqual(answerLabels(" sadness , fear,sadness,, "), ["fear", "sadness"]);
    assert.deepEqual(answerLabels("sad ness"), ["sad ness"]);
    const two = { AUs: [], labels: ["surprise", "happiness"] };
    assert.deepEqual(codes("<think>x</think><answer>happiness, surprise</answer>", two), []);
    assert.deepEqual(codes("<think>x</think><answer>happiness surprise</answer>", two), ["label_mismatch"]);
    assert.deepEqual(codes("<think>AU1 AU4</think><answer>Sadness</answer>"), ["label_mismatch"]);
    assert.deepEqual(codes("<think>AU1 AU4</think><answer>sadness.</answer>"), ["label_mismatch"]);
    assert.deepEqual(codes("<think>AU1 AU4</think><answer>, ,</answer>"), ["label_mismatch"]);
  });

  it("requires non-empty think and answer blocks", () => {
    assert.deepEqual(codes("<think> \n</think><answer>sadness</answer> AU1 AU4"), ["empty_think"]);
    assert.deepEqual(codes("AU1 AU4 <answer>sadness</answer>"), ["missing_think"]);
    assert.deepEqual(codes("<think>AU1 AU4</think>sadness"), ["missing_answer"]);
    assert.deepEqual(codes("<think>AU1 AU4</think><answer>  </answer>"), ["empty_answer"]);
    assert.deepEqual(codes("<THINK>AU1 AU4</THINK><answer>sadness</answer>"), ["missing_think"]);
  });

  it("skips the AU part without ground-truth AUs and the label part without labels", () => {
    assert.deepEqual(codes("<think>AU9</think><answer>sadness</answer>", { AUs: [], labels: ["sadness"] }), []);
    assert.deepEqual(codes("<think>AU1 AU4</think><answer>joy</answer>", { AUs: ["AU1", "AU4"], labels: [] }), []);
    assert.deepEqual(codes("<think>x</think>", { AUs: [], labels: [] }), ["missing_answer"]);
  });
});

describe("synthesis prompt", () => {
  it("is the training prompt plus a ground-truth section", () => {
    const labelSet = ["anger", "sadness"];
    const prompt = buildSynthPrompt({ question: "How does the person feel?", labelSet, variant: "sft", AUs: ["AU4", "AU1"], labels: ["sadness"] });
    const training = buildPrompt({ question: "How does the person feel?", labels: labelSet, variant: "sft" });
    assert.ok(prompt.startsWith(`${training}\n\n${GROUND_TRUTH_HEADER}\n`));
    assert.match(prompt, /must identify: AU1, AU4\. /);
    assert.match(prompt, /answer must give: sadness\. Write exactly this/);
    assert.deepEqual(synthTruthOf(prompt), { aus: ["AU1", "AU4"], emotion: "sadness" });
  });

  it("leaves out what the record does not have", () => {
    assert.equal(groundTruthSection({ AUs: [], labels: [] }), undefined);
    assert.doesNotMatch(groundTruthSection({ AUs: [], labels: ["fear"] })!, /Action Units the analysis/);
    assert.doesNotMatch(groundTruthSection({ AUs: ["AU1"], labels: [] })!, /Emotion the answer/);
    assert.equal(buildSynthPrompt({ question: "q", labelSet: [], AUs: [], labels: [] }), buildPrompt({ question: "q", labels: [] }));
  });

  it("correction message lists every problem and restates the target", () => {
    const { problems } = checkSynthOutput("<think> </think>", truth);
    const message = correctionMessage(problems, truth);
    assert.ok(message.startsWith(`${CORRECTION_HEADER}\n`));
    for (const p of problems) assert.ok(message.includes(`- ${p.message}`), p.message);
    assert.match(message, /names exactly AU1, AU4, then exactly "sadness" inside <answer> <\/answer>\.$/);
  });

  it("the stand-in's synthesis answers pass or fail the check as configured", () => {
    const t = { aus: ["AU1", "AU4"], emotion: "sadness" };
    assert.equal(checkSynthOutput(synthesisAnswer(t, 1), truth).passed, true);
    assert.deepEqual(codes(synthesisAnswer(t, 1, ["au"])), ["au_mismatch"]);
    assert.deepEqual(codes(synthesisAnswer(t, 1, ["label"])), ["label_mismatch"]);
    assert.deepEqual(codes(synthesisAnswer(t, 1, ["empty-think"])), ["empty_think", "au_mismatch"]);
    assert.deepEqual(codes(synthesisAnswer(t, 1, ["no-answer"])), ["missing_answer"]);
  });
});
