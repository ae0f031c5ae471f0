import { firstBlock } from "../eval/protocols.js";
import { digitClassBody, jsCodePointEscape, pyStrip } from "../rewards/python-text.js";
import { compareAuTokens } from "../taxonomy/action-units.js";

/**
 * The stage-3 quality check, as the paper's synthesis code applies it (reference/method.md):
 * - the AU set of the WHOLE output (every `AU\d+`, case-sensitive, Python's `\d`) equals the
 *   record's AU set, when the record has AUs;
 * - the labels of the answer block, split on commas (pieces whitespace-stripped, empty pieces
 *   dropped), equal the record's labels as a set, when the record has labels;
 * - the think block and the answer block exist and are not blank.
 * Blocks are the first `<think>(.*?)</think>` and `<answer>(.*?)</answer>` (case-sensitive).
 *
 * This differs from the `facial-r1` evaluation protocol (AUs of the think block only; labels
 * split on whitespace and semicolons too), so it is its own rule here.
 */
export const SYNTH_PROBLEM_CODES = ["missing_think", "empty_think", "missing_answer", "empty_answer", "au_mismatch", "label_mismatch"] as const;
export type SynthProblemCode = (typeof SYNTH_PROBLEM_CODES)[number];

export interface SynthProblem {
  code: SynthProblemCode;
  /** A sentence the model can act on; it goes into the correction message. */
  message: string;
}

export interface QualityTruth {
  AUs: readonly string[];
  labels: readonly string[];
}

export interface QualityResult {
  passed: boolean;
  problems: SynthProblem[];
  /** What the check read from the output (sorted, unique). */
  aus: string[];
  labels: string[] | undefined;
  think: string | undefined;
}

const OUTPUT_AU = new RegExp(`AU[${digitClassBody(jsCodePointEscape)}]+`, "gu");

/** Every `AU\d+` token of a text, sorted (numerically) and unique. */
export function outputAUs(text: string): string[] {
  return sortedUnique(text.match(OUTPUT_AU) ?? [], compareAuTokens);
}

/** Labels of an answer text: split on commas, each piece stripped, empty pieces dropped; sorted, unique. */
export function answerLabels(answer: string): string[] {
  return sortedUnique(answer.split(",").map(pyStrip).filter((l) => l.length > 0));
}

export function truthAUs(aus: readonly string[]): string[] {
  return sortedUnique(aus, compareAuTokens);
}

export function truthLabels(labels: readonly string[]): string[] {
  return sortedUnique(labels.map(pyStrip).filter((l) => l.length > 0));
}

export function checkSynthOutput(output: string, truth: QualityTruth): QualityResult {
  const problems: SynthProblem[] = [];
  const think = firstBlock(output, "<think>", "</think>");
  const answer = firstBlock(output, "<answer>", "</answer>");

  if (think === undefined) problems.push({ code: "missing_think", message: "the reasoning block <think> ... </think> is missing" });
  else if (pyStrip(think) === "") problems.push({ code: "empty_think", message: "the reasoning block <think> </think> is empty" });

  const aus = outputAUs(output);
  const wantedAus = truthAUs(truth.AUs);
  if (wantedAus.length > 0 && !sameList(aus, wantedAus)) {
    const missing = wantedAus.filter((a) => !aus.includes(a));
    const extra = aus.filter((a) => !wantedAus.includes(a));
    const parts = [missing.length > 0 ? `missing ${missing.join(", ")}` : "", extra.length > 0 ? `not in the ground truth: ${extra.join(", ")}` : ""].filter(Boolean);
    problems.push({
      code: "au_mismatch",
      message: `the Action Units named (${aus.length > 0 ? aus.join(", ") : "none"}) differ from the ground truth (${wantedAus.join(", ")}): ${parts.join("; ")}`,
    });
  }

  let labels: string[] | undefined;
  if (answer === undefined) problems.push({ code: "missing_answer", message: "the answer block <answer> ... </answer> is missing" });
  else if (pyStrip(answer) === "") problems.push({ code: "empty_answer", message: "the answer block <answer> </answer> is empty" });
  if (answer !== undefined) {
    labels = answerLabels(answer);
    const wantedLabels = truthLabels(truth.labels);
    // A blank answer is already reported as empty; anything else that differs is a wrong label.
    if (wantedLabels.length > 0 && pyStrip(answer) !== "" && !sameList(labels, wantedLabels)) {
      problems.push({
        code: "label_mismatch",
        message: `the answer gives "${pyStrip(answer)}" but the ground-truth emotion is "${wantedLabels.join(", ")}"`,
      });
    }
  }
  return { passed: problems.length === 0, problems, aus, labels, think };
}

function sortedUnique(items: Iterable<string>, compare?: (a: string, b: string) => number): string[] {
  return [...new Set(items)].sort(compare);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
