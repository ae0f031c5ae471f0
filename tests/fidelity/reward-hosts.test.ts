import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { REWARD_PRESETS } from "../../src/schema/reward-spec.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { OPENRLHF_TOKEN_NOTE, rewardScorer, startRewardServer } from "../../src/rewards/server.js";
import { ROOT } from "../helpers/cli.js";
import { runPython } from "../plugins/python.js";
import { STAND_IN } from "./harness.js";

const PLUGINS = join(ROOT, "plugins");
const HOSTS = join(STAND_IN, "hosts");
const SPEC = REWARD_PRESETS["facial-r1"];
const PROMPT = "<|im_start|>user\nWhat emotion?<|im_end|>\n<|im_start|>assistant\n";

const COMPLETIONS = [
  { completion: "<think>Brows lowered (AU4), lids tight (AU7).</think>\n<answer>anger</answer>", truth: { AUs: ["AU4", "AU7"], labels: ["anger"] } },
  { completion: "<think>AU6 and AU12.</think><answer>happiness</answer>", truth: { AUs: ["AU6", "AU12", "AU25"], labels: ["happiness"] } },
  { completion: "<answer>sadness</answer>", truth: { AUs: ["AU1", "AU4", "AU15"], labels: ["sadness"] } },
  { completion: "I think it is fear.", truth: { AUs: [], labels: ["fear"] } },
];

function samples(): string {
  return COMPLETIONS.map((c, i) => JSON.stringify({ query: `${PROMPT}${c.completion}<|im_end|>`, prompt: PROMPT, label: i % 2 ? c.truth : JSON.stringify(c.truth) })).join("\n");
}

function lines(text: string): Record<string, unknown>[] {
  return text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("OpenRLHF: the reward file scores, inside OpenRLHF's executor, what the reward server's /get_reward answers", async () => {
  const fromFile = lines(await runPython([join(HOSTS, "openrlhf_executor.py"), join(PLUGINS, "openrlhf", "facial_r1_rewards.py")], { input: samples() }));
  const server = await startRewardServer({ scorer: rewardScorer(SPEC, "facial-r1"), port: 0 });
  try {
    const fromServer = lines(await runPython([join(HOSTS, "openrlhf_executor.py"), `${server.url}/get_reward`], { input: samples() }));
    assert.deepEqual(fromFile, fromServer);
  } finally {
    await server.close();
  }
  COMPLETIONS.forEach((c, i) => {
    const s = scoreCompletion(c.completion, c.truth, SPEC);
    assert.equal(fromFile[i].reward, s.total);
    assert.equal(fromFile[i].score, (s.total + 1) / 4);
    assert.deepEqual(fromFile[i].extra_logs, { format_reward: s.format, accuracy_reward: s.accuracy, au_reward: s.au, response_after_prompt: 1 });
  });
});

test("OpenRLHF: its client sends no Authorization header, so a token-protected server is refused with the reason", async () => {
  const server = await startRewardServer({ scorer: rewardScorer(SPEC, "facial-r1"), port: 0, token: "t0ken-for-test" });
  try {
    const failed = await runPython([join(HOSTS, "openrlhf_executor.py"), `${server.url}/get_reward`], { input: samples(), env: { OPENRLHF_RETRY_SECONDS: "0.01" } }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    assert.match(failed ?? "", /exited 3: .*HTTP Error 401/s, "every reward None: the trainer would fail at torch.cat");
    const response = await fetch(`${server.url}/get_reward`, { method: "POST", body: JSON.stringify({ query: ["x"], prompts: [""], labels: ["anger"] }) });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: OPENRLHF_TOKEN_NOTE });
  } finally {
    await server.close();
  }
});

test("verl prime manager: compute_score_scalar gives the totals; the dict form scores the whole batch 0", async () => {
  const rows = COMPLETIONS.map((c) => JSON.stringify({ data_source: "facial", response: c.completion, ground_truth: c.truth })).join("\n");
  const plugin = join(PLUGINS, "verl", "facial_r1_rewards.py");
  const scalar = JSON.parse(await runPython([join(HOSTS, "verl_prime.py"), plugin, "compute_score_scalar"], { input: rows })) as number[];
  assert.deepEqual(scalar, COMPLETIONS.map((c) => scoreCompletion(c.completion, c.truth, SPEC).total));
  const dict = JSON.parse(await runPython([join(HOSTS, "verl_prime.py"), plugin, "compute_score"], { input: rows })) as number[];
  assert.deepEqual(dict, [0, 0, 0, 0]);
});

test("EasyR1 online filtering keeps mixed groups on the `score` key; `overall` (on [-1, 3]) would drop them", async () => {
  const group = (truthLabel: string) =>
    ["anger", "anger", "sadness", "sadness"].map((answer) => ({ response: `<think>AU4 AU7</think><answer>${answer}</answer>`, ground_truth: JSON.stringify({ AUs: ["AU4", "AU7"], labels: [truthLabel] }) }));
  const groups = JSON.stringify([group("anger"), group("fear")]);
  const plugin = join(PLUGINS, "easyr1", "facial_r1_rewards.py");
  const byScore = JSON.parse(await runPython([join(HOSTS, "easyr1_filter.py"), plugin, "score"], { input: groups })) as { kept: number[]; means: number[] };
  const byOverall = JSON.parse(await runPython([join(HOSTS, "easyr1_filter.py"), plugin, "overall"], { input: groups })) as { kept: number[]; means: number[] };
  assert.deepEqual(byScore.kept, [0, 1], "both group means lie inside (0.01, 0.99) on the score key");
  assert.deepEqual(byOverall.kept, [], "overall means above 0.99 are filtered out");
  assert.ok(byScore.means.every((m) => m > 0 && m < 1));
});
