import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { replayRollouts, type ReplayReport } from "../../src/rewards/replay.js";
import { groupStats, sampleStd } from "../../src/rewards/group-stats.js";
import { classifyFormatFailure } from "../../src/rewards/format-failures.js";
import { REWARD_PRESETS } from "../../src/schema/reward-spec.js";
import { accuracyBlock, formatBlock, IMAGE_A, IMAGE_B, PROBLEM_A, PROBLEM_B } from "./log-writer.js";

const SPEC = REWARD_PRESETS["facial-r1"];
const SOL_A = "<answer>happiness</answer>";
const SOL_B = "<answer>anger</answer>";

// Step 1, rank 0 (prompt A): totals format + accuracy = 2, 1, 2, 0.
const A1 = "<think>Cheeks raised (AU6) and lip corners pulled (AU12).</think>\n<answer>happiness</answer>";
const A2 = "<think>Smile (AU12).</think>\n<answer>happiness</answer>\n";
const A3 = "<think>\nCheeks raised (AU6).\n\nLip corners pulled (AU12).\n</think>\n<answer>happiness</answer>";
const A4 = " <think>Lip corners down (AU15).</think><answer>sadness</answer>";
// Step 1, rank 1 (prompt B): all 2.
const B = ["<think>Brows lowered (AU4).</think><answer>anger</answer>", "<think>AU4, AU7.</think>\n<answer>anger</answer>", "<think>AU23</think> <answer>anger</answer>", "<think>AU4</think><answer>anger</answer>"];
// Step 2, rank 1 (prompt A again): uppercase tags, all 1.
const A_UPPER = "<THINK>AU6</THINK><answer>happiness</answer>";

function block(time: string, problem: string, image: string, content: string, solution: string, reward: number): string {
  return accuracyBlock({ time, reward: reward.toFixed(1), imagePath: image, problem, content, solution });
}

/** Two ranks appending to one file without locking: blocks of different ranks interleave. */
function interleavedLog(): string {
  const a = [A1, A2, A3, A4].map((c, i) => block(`27-14-03-2${i}-000001`, PROBLEM_A, IMAGE_A, c, SOL_A, c.includes("sadness") ? 0 : 1));
  const b = B.map((c, i) => block(`27-14-03-2${i}-500001`, PROBLEM_B, IMAGE_B, c, SOL_B, 1));
  const fmt0 = formatBlock("27-14-03-24-000001", [A1, A2, A3, A4].map((c) => ({ content: c, hasFormat: c === A1 || c === A3 })));
  const fmt1 = formatBlock("27-14-03-24-500001", B.map((c) => ({ content: c, hasFormat: true })));
  const step2 = [0, 1, 2, 3].map((i) => block(`27-14-05-1${i}-000001`, PROBLEM_A, IMAGE_A, A_UPPER, SOL_A, 1));
  return [a[0], b[0], a[1], b[1], b[2], a[2], fmt0, a[3], b[3], fmt1, ...step2].join("");
}

let dir: string;
let cleanup: () => Promise<void>;
let logFile: string;

before(async () => {
  ({ dir, cleanup } = await tempDir());
  logFile = join(dir, "debug_log_2b.log");
  await writeFile(logFile, interleavedLog());
});
after(async () => cleanup());

test("advantages are pinned to trl: (r - mean) / (std + 1e-4) with torch's Bessel-corrected std", () => {
  // torch.tensor([2., 1., 2., 0.]).std() == 0.9574271077563381
  assert.equal(sampleStd([2, 1, 2, 0]), 0.9574271077563381);
  const stats = groupStats([2, 1, 2, 0]);
  assert.equal(stats.mean, 1.25);
  assert.deepEqual(
    stats.advantages,
    [0.75, -0.25, 0.75, -1.25].map((d) => d / (0.9574271077563381 + 1e-4)),
  );
  assert.equal(stats.zeroVariance, false);
  const flat = groupStats([1, 1, 1, 1]);
  assert.equal(flat.zeroVariance, true);
  assert.deepEqual(flat.advantages, [0, 0, 0, 0]);
  assert.equal(groupStats([3]).advantages, null);
});

test("format failures are classified by cause", () => {
  assert.deepEqual(classifyFormatFailure(A2), ["whitespace_after_answer"]);
  assert.deepEqual(classifyFormatFailure(A4), ["whitespace_before_think"]);
  assert.deepEqual(classifyFormatFailure(A_UPPER), ["uppercase_tags", "missing_think"]);
  assert.deepEqual(classifyFormatFailure("The answer is <answer>fear</answer>"), ["missing_think"]);
  assert.deepEqual(classifyFormatFailure("Sure! <think>a</think><answer>fear</answer>"), ["text_before_think"]);
  assert.deepEqual(classifyFormatFailure("<think>hmm, AU4 maybe"), ["missing_think_close", "missing_answer"]);
  assert.deepEqual(classifyFormatFailure("<think>a</think><answer>fear"), ["missing_answer_close"]);
  assert.deepEqual(classifyFormatFailure("<think>a</think>So: <answer>fear</answer> done"), ["text_after_answer", "text_between_blocks"]);
  assert.deepEqual(classifyFormatFailure("<answer>fear</answer><think>a</think>"), ["answer_before_think"]);
  assert.deepEqual(classifyFormatFailure("<think>a</think><answer>x</answer><answer>y</answer>."), ["text_after_answer", "several_answers"]);
  assert.deepEqual(classifyFormatFailure("\n \t"), ["empty"]);
});

test("replay of an interleaved two-rank log: grouped by problem + image, cut into num_generations groups", async () => {
  const report = await replayRollouts({ file: logFile, spec: SPEC, numGenerations: 4, perGroup: true });
  assert.equal(report.kind, "rollout-log");
  assert.deepEqual(report.components, ["format", "accuracy"]);
  assert.equal(report.completions, 12);
  assert.equal(report.problems, 0);
  assert.equal(report.groups.count, 3);
  assert.deepEqual(report.groups.sizes, { min: 4, max: 4, mean: 4 });
  const byWhere = report.groupDetails!.map((g) => g.rewards);
  assert.deepEqual(byWhere, [[2, 1, 2, 0], [1, 1, 1, 1], [2, 2, 2, 2]]);
  assert.equal(report.groups.zeroVariance.count, 2);
  assert.equal(report.groups.zeroVariance.share, 2 / 3);
  assert.deepEqual(report.groups.zeroVariance.values, [{ total: 1, groups: 1 }, { total: 2, groups: 1 }]);
  assert.deepEqual(report.groupDetails![0].advantages, groupStats([2, 1, 2, 0]).advantages);
  assert.equal(report.advantages.zeroShare, 8 / 12);
  assert.equal(report.rewards.format.mean, 6 / 12);
  assert.equal(report.rewards.accuracy.mean, 11 / 12);
  assert.equal(report.formatFailures.failed, 6);
  assert.deepEqual(
    report.formatFailures.causes.map((c) => [c.kind, c.count]),
    [["missing_think", 4], ["uppercase_tags", 4], ["whitespace_after_answer", 1], ["whitespace_before_think", 1]],
  );
  assert.match(report.formatFailures.causes[0].example.where!, /debug_log_2b\.log:\d+$/);
  assert.deepEqual(report.logged, {
    accuracyCompletions: 12,
    accuracyMean: 11 / 12,
    accuracyMismatches: 0,
    formatCompletions: 8,
    formatTrueShare: 6 / 8,
    formatMismatches: 0,
  });
});

test("without num_generations, a prompt drawn twice is one group; --rewards changes the total", async () => {
  const report = await replayRollouts({ file: logFile, spec: SPEC, components: ["accuracy"] });
  assert.equal(report.groups.count, 2);
  assert.deepEqual(report.groups.sizes, { min: 4, max: 8, mean: 6 });
  assert.equal(report.rewards.total.mean, 11 / 12);
});

test("JSONL input: grouped by prompt_id with AUs in the total; bad lines are problems with file:line", async () => {
  const file = join(dir, "completions.jsonl");
  const lines = [
    { prompt_id: "p1", completion: A1, AUs: ["AU6", "AU12"], labels: ["happiness"] },
    { prompt_id: "p1", completion: A4, AUs: ["AU6", "AU12"], labels: ["happiness"] },
    { problem: PROBLEM_B, image: "b.jpg", completion: B[0], AUs: ["AU4"], labels: ["anger"] },
    { problem: PROBLEM_B, image: "b.jpg", completion: B[3], AUs: ["AU4"], labels: ["anger"] },
  ].map((l) => JSON.stringify(l));
  await writeFile(file, [lines[0], lines[1], "{broken", lines[2], JSON.stringify({ prompt_id: "p2", completion: 7 }), lines[3], ""].join("\n"));
  const problems: string[] = [];
  const report = await replayRollouts({ file, spec: SPEC, onProblem: (p) => problems.push(`${p.line}: ${p.field ?? ""}: ${p.message}`) });
  assert.equal(report.kind, "jsonl");
  assert.deepEqual(report.components, ["format", "accuracy", "au"]);
  assert.equal(report.completions, 4);
  assert.equal(report.problems, 2);
  assert.match(problems[0], /^3: : invalid JSON/);
  assert.match(problems[1], /^5: completion: /);
  assert.equal(report.groups.count, 2);
  assert.equal(report.rewards.total.max, 3);
  assert.equal(report.groups.zeroVariance.count, 1, "both anger completions score 3");
});

test("CLI: rewards replay --json prints the report; problems exit 1, nothing to replay exits 2", async () => {
  const broken = join(dir, "broken.log");
  await writeFile(broken, interleavedLog() + "------------- t Accuracy reward: 1.0 -------------\naccu_reward_method: default\nimage_path: None\nproblem: q\nContent: <think>cut");
  const empty = join(dir, "empty.log");
  await writeFile(empty, "");
  const [ok, human, partial, none, missing, badRewards] = await Promise.all([
    runCli(["rewards", "replay", logFile, "--json", "--num-generations", "4"]),
    runCli(["rewards", "replay", logFile, "--num-generations", "4"]),
    runCli(["rewards", "replay", broken, "--json"]),
    runCli(["rewards", "replay", empty]),
    runCli(["rewards", "replay", join(dir, "nope.log")]),
    runCli(["rewards", "replay", logFile, "--rewards", "format,speed"]),
  ]);

  assert.equal(ok.code, 0, ok.stderr);
  const report = JSON.parse(ok.stdout) as ReplayReport;
  assert.equal(report.completions, 12);
  assert.equal(report.groups.zeroVariance.count, 2);
  assert.equal(report.groupDetails, undefined);

  assert.equal(human.code, 0);
  assert.equal(human.stdout, "");
  assert.match(human.stderr, /zero-variance groups: 2 \(66\.7%\) -> no GRPO learning signal/);
  assert.match(human.stderr, /missing_think +4/);

  assert.equal(partial.code, 1);
  assert.match(partial.stderr, /broken\.log:\d+: accuracy block has no `Solution:` line/);
  assert.equal((JSON.parse(partial.stdout) as ReplayReport).completions, 12);

  assert.equal(none.code, 2);
  assert.match(none.stderr, /no completions found/);

  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.log: no such file/);

  assert.equal(badRewards.code, 2);
  assert.match(badRewards.stderr, /unknown reward "speed"/);
});
