import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { buildRemoteRewardPlugin, defineReward, PLUGIN_TARGETS, serveRewards, type RewardInput } from "../../src/index.js";
import { ROOT, tempDir } from "../helpers/cli.js";
import { runPython } from "../plugins/python.js";

const HOSTS = join(ROOT, "tests", "stand-in", "hosts");
const TOKEN = "tok-remote-test";

/** Two rewards written in TypeScript; `seen` records what the server handed them. */
const seen: RewardInput[] = [];
const REWARDS = [
  defineReward({
    name: "think_words",
    range: [0, 50],
    score: (input) => {
      seen.push(input);
      return Math.min(50, (/<think>([\s\S]*?)<\/think>/.exec(input.completion)?.[1] ?? "").split(/\s+/).filter(Boolean).length);
    },
  }),
  defineReward({ name: "label_named", range: [0, 1], score: async ({ completion, labels }) => (labels?.[0] && completion.includes(labels[0]) ? 1 : 0) }),
];

const CASES = [
  { completion: "<think>Brows lowered (AU4), lids tight (AU7).</think>\n<answer>anger</answer>", AUs: ["AU4", "AU7"], labels: ["anger"] },
  { completion: "<think>Cheeks raised.</think><answer>sadness</answer>", AUs: ["AU6"], labels: ["happiness"] },
  { completion: "no tags at all", AUs: [], labels: ["neutral"] },
];

async function expected(): Promise<{ think_words: number; label_named: number; total: number }[]> {
  return Promise.all(
    CASES.map(async (c) => {
      const think = await REWARDS[0].score(c);
      const label = await REWARDS[1].score(c);
      return { think_words: think, label_named: label, total: think + label };
    }),
  );
}

/** Calls each target's client plugin the way that trainer calls its rewards; prints one JSON document. */
const CALLER = String.raw`
import importlib.util, json, os, sys
target, directory = sys.argv[1], sys.argv[2]
cases = json.loads(sys.stdin.read())
spec = importlib.util.spec_from_file_location("remote_%s" % target.replace("-", "_"), os.path.join(directory, "facial_r1_rewards.py"))
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
comps = [[{"role": "assistant", "content": c["completion"]}] for c in cases]
cols = {"AUs": [c["AUs"] for c in cases], "labels": [c["labels"] for c in cases], "solution": ["<answer>%s</answer>" % c["labels"][0] for c in cases]}
prompts = [[{"role": "user", "content": [{"type": "image", "text": None}, {"type": "text", "text": "What emotion?"}]}]] * len(cases)
if target in ("vlm-r1", "facial-r1"):
    extra = {"weights": [0.0, 3.5, 10.0]} if target == "facial-r1" else {}
    out = {name: fn(prompts=prompts, completions=comps, problem=["q"] * len(cases), **cols, **extra) for name, fn in m.REWARD_FUNCS.items()}
elif target == "trl":
    out = {fn.__name__[: -len("_reward")]: fn(prompts=prompts, completions=[c["completion"] for c in cases], completion_ids=[[1]] * len(cases), **cols) for fn in m.REWARD_FUNCS}
elif target == "verl":
    truths = [{"AUs": c["AUs"], "labels": c["labels"]} for c in cases]
    batch = m.compute_score_batch(data_sources=["facial"] * len(cases), solution_strs=[c["completion"] for c in cases], ground_truths=truths, extra_infos=[None] * len(cases))
    single = [m.compute_score("facial", c["completion"], json.dumps(t)) for c, t in zip(cases, truths)]
    assert batch == single, (batch, single)
    out = {"think_words": [r["think_words"] for r in batch], "label_named": [r["label_named"] for r in batch], "total": [r["score"] for r in batch]}
elif target == "easyr1":
    res = m.compute_score([{"response": c["completion"], "response_length": 1, "ground_truth": json.dumps({"AUs": c["AUs"], "labels": c["labels"]})} for c in cases])
    out = {"think_words": [r["think_words"] for r in res], "label_named": [r["label_named"] for r in res], "total": [r["overall"] for r in res], "score": [r["score"] for r in res]}
print(json.dumps(out))
`;

test("TypeScript-defined rewards run inside every trainer through the emitted client plugins, with the server's token", async () => {
  const { dir, cleanup } = await tempDir();
  const server = await serveRewards({ rewards: REWARDS, port: 0, token: TOKEN });
  try {
    const want = await expected();
    const env = { FACIAL_R1_REWARD_TOKEN: TOKEN };
    for (const target of PLUGIN_TARGETS) {
      const outDir = join(dir, target);
      const written = await buildRemoteRewardPlugin({ target, outDir, server: server.url });
      assert.ok(written.some((f) => f.endsWith("facial_r1_rewards.py")), target);
      if (target === "openrlhf") continue;
      seen.length = 0;
      const out = JSON.parse(await runPython(["-c", CALLER, target, outDir], { input: JSON.stringify(CASES), env })) as Record<string, number[]>;
      assert.deepEqual(out.think_words, want.map((w) => w.think_words), `${target} think_words`);
      assert.deepEqual(out.label_named, want.map((w) => w.label_named), `${target} label_named`);
      if (out.total) assert.deepEqual(out.total, want.map((w) => w.total), `${target} total`);
      if (out.score) assert.deepEqual(out.score, want.map((w) => w.total / 51), `${target} score on [0, 1]`);
      if (target === "vlm-r1" || target === "trl") assert.equal(seen[0].prompt, "What emotion?", `${target}: the prompt reaches the reward`);
    }

    // OpenRLHF loads the file and calls reward_func with one sample; its own client could send no token, this one does.
    const query = (c: (typeof CASES)[number]) => JSON.stringify({ query: `<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n${c.completion}<|im_end|>`, prompt: "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n", label: JSON.stringify({ AUs: c.AUs, labels: c.labels }) });
    const lines = (await runPython([join(HOSTS, "openrlhf_executor.py"), join(dir, "openrlhf", "facial_r1_rewards.py")], { input: CASES.map(query).join("\n"), env }))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { reward: number; score: number; extra_logs: Record<string, number> });
    assert.deepEqual(lines.map((l) => l.reward), want.map((w) => w.total));
    assert.deepEqual(lines.map((l) => l.extra_logs.think_words), want.map((w) => w.think_words));

    // Without the token the plugin stops the trainer with the server's reason, not with missing rewards.
    const refused = await runPython(["-c", CALLER, "trl", join(dir, "trl")], { input: JSON.stringify(CASES), env: { FACIAL_R1_REWARD_TOKEN: "" } }).then(
      () => "",
      (err: Error) => err.message,
    );
    assert.match(refused, /refused the request: HTTP 401/);
  } finally {
    await server.close();
    await cleanup();
  }
});
