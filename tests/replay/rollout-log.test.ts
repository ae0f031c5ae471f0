import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { parseRolloutLog, type RolloutLogEvent } from "../../src/rewards/rollout-log.js";
import { accuracyBlock, formatBlock, IMAGE_A, IMAGE_B, oldAccuracyBlock, PROBLEM_A, PROBLEM_B } from "./log-writer.js";

async function parse(text: string): Promise<{ file: string; events: RolloutLogEvent[] }> {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "debug_log.log");
    await writeFile(file, text);
    const events: RolloutLogEvent[] = [];
    for await (const e of parseRolloutLog(file)) events.push(e);
    return { file, events };
  } finally {
    await cleanup();
  }
}

test("accuracy blocks: multi-line problem and content keep their exact text, blank lines and \\r included", async () => {
  const multi = "<think>\nInner brows raised (AU1).\n\n  \nLips stretched (AU20).\r\n</think>\n<answer>fear</answer>\n";
  const text =
    accuracyBlock({ time: "27-14-03-22-123456", reward: "1.0", imagePath: IMAGE_A, problem: PROBLEM_A, content: multi, solution: "<answer>fear</answer>" }) +
    accuracyBlock({ time: "27-14-03-22-124001", reward: "0.0", imagePath: IMAGE_B, problem: PROBLEM_B, content: "angry", solution: "<answer>anger</answer>" });
  const { events } = await parse(text);
  assert.equal(events.length, 2);
  const [a, b] = events;
  assert.equal(a.kind, "accuracy");
  assert.equal(b.kind, "accuracy");
  if (a.kind !== "accuracy" || b.kind !== "accuracy") return;
  assert.equal(a.line, 1);
  assert.equal(a.time, "27-14-03-22-123456");
  assert.equal(a.loggedReward, 1);
  assert.equal(a.method, "default");
  assert.equal(a.imagePath, IMAGE_A);
  assert.equal(a.problem, PROBLEM_A);
  assert.equal(a.content, multi);
  assert.equal(a.solution, "<answer>fear</answer>");
  assert.equal(b.line, 1 + 5 + PROBLEM_A.split("\n").length + multi.split("\n").length - 1);
  assert.equal(b.content, "angry");
  assert.equal(b.loggedReward, 0);
});

test("a completion containing a line that starts with 'Solution: ' stays whole (the last Solution line wins)", async () => {
  const content = "<think>Solution: look at the brows (AU4).</think>\nSolution: <answer>anger</answer>";
  const { events } = await parse(accuracyBlock({ time: "t", reward: "0.0", imagePath: IMAGE_B, problem: PROBLEM_B, content, solution: "<answer>anger</answer>" }));
  assert.equal(events.length, 1);
  assert.equal(events[0].kind === "accuracy" && events[0].content, content);
});

test("format blocks in the same file give one entry per completion", async () => {
  const text =
    formatBlock("27-14-03-22-100000", [
      { content: "<think>a</think><answer>anger</answer>", hasFormat: true },
      { content: "no tags\nat all", hasFormat: false },
    ]) + accuracyBlock({ time: "t", reward: "1.0", imagePath: IMAGE_B, problem: PROBLEM_B, content: "<think>a</think><answer>anger</answer>", solution: "<answer>anger</answer>" });
  const { events } = await parse(text);
  assert.deepEqual(
    events.map((e) => (e.kind === "format" ? [e.kind, e.line, e.content, e.hasFormat] : [e.kind])),
    [["format", 2, "<think>a</think><answer>anger</answer>", true], ["format", 4, "no tags\nat all", false], ["accuracy"]],
  );
});

test("cut-off blocks, stray lines and old-style blocks: problems with file:line, never an exception", async () => {
  const good = accuracyBlock({ time: "t1", reward: "1.0", imagePath: IMAGE_B, problem: PROBLEM_B, content: "<think>x</think><answer>anger</answer>", solution: "<answer>anger</answer>" });
  const text =
    "leftover of a block\nfrom an earlier run\n" +
    good +
    // A rank died mid-block: no Solution line.
    "------------- t2 Accuracy reward: 0.0 -------------\naccu_reward_method: default\nimage_path: None\nproblem: q\nContent: <think>cut\n" +
    good +
    "------------- t3 Accuracy reward: 1.0 -------------\naccu_reward_method: default\nimage_path: None\nSolution: <answer>x</answer>\n" +
    "------------- t4 Format reward -------------\nContent: <think>never judged\n" +
    oldAccuracyBlock({ time: "t5", reward: "nan", content: "<answer>anger</answer>", solution: "<answer>anger</answer>" });
  const { file, events } = await parse(text);
  const problems = events.filter((e) => e.kind === "problem").map((e) => (e.kind === "problem" ? `${e.problem.line}: ${e.problem.message}` : ""));
  assert.equal(problems.length, 4, problems.join("\n"));
  assert.match(problems[0], /^1: 2 line\(s\) outside any block/);
  assert.match(problems[1], /^9: accuracy block has no `Solution:` line after `Content:`/);
  assert.match(problems[2], /^20: accuracy block: expected `Content:`/);
  assert.match(problems[3], /^25: format block: `Content:` without a `Has format:` line/);
  for (const e of events) if (e.kind === "problem") assert.equal(e.problem.file, file);
  const entries = events.filter((e) => e.kind === "accuracy");
  assert.equal(entries.length, 3);
  const old = entries[2];
  assert.ok(old.kind === "accuracy");
  assert.equal(old.problem, null);
  assert.equal(old.imagePath, null);
  assert.equal(old.loggedReward, null);
  assert.equal(old.content, "<answer>anger</answer>");
});

test("an empty file has no events", async () => {
  assert.deepEqual((await parse("")).events, []);
});
