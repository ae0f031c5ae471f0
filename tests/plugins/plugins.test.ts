import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { PLUGIN_TARGETS, buildPlugin, renderPlugin } from "../../src/plugins/index.js";
import { DEFAULT_REWARD_SPEC, REWARD_PRESETS, RewardSpecSchema } from "../../src/schema/reward-spec.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { stalePluginFiles, PLUGINS_DIR } from "../../scripts/build-plugins.js";
import { runPython } from "./python.js";

test("the checked-in plugins/<target>/ files are the current default build", () => {
  assert.deepEqual(stalePluginFiles(), [], "run: node --import tsx scripts/build-plugins.ts");
});

test("renderPlugin is pure and byte-stable; files are ASCII with no timestamps or secrets", () => {
  for (const target of PLUGIN_TARGETS) {
    const a = renderPlugin(target, DEFAULT_REWARD_SPEC);
    const b = renderPlugin(target, RewardSpecSchema.parse({}));
    assert.deepEqual(a, b, target);
    assert.ok(a.some((f) => f.path === "facial_r1_rewards.py"), target);
    for (const file of a) {
      assert.match(file.content, /^[\x09\x0a\x20-\x7e]*$/, `${target}/${file.path} is ASCII`);
      assert.doesNotMatch(file.content, /20\d\d-\d\d-\d\d|sk-[A-Za-z0-9]{8}|hf_[A-Za-z0-9]{8}|OPENAI_API_KEY|HF_TOKEN/, `${target}/${file.path}`);
    }
  }
});

test("the spec is baked in: weights, beta, clamp, preset and labels change the emitted constants", () => {
  const spec = RewardSpecSchema.parse({ preset: "normalized", weights: { format: 0.25, accuracy: 3, au: -0.5 }, beta: 0.1, clamp: [-10, 10], labels: { joy: ["glad"] } });
  const text = renderPlugin("verl", spec)[0].content;
  assert.match(text, /^PRESET = "normalized"$/m);
  assert.match(text, /^WEIGHTS = \{"format": 0\.25, "accuracy": 3\.0, "au": -0\.5\}$/m);
  assert.match(text, /^BETA = 0\.1$/m);
  assert.match(text, /^CLAMP = \(-10\.0, 10\.0\)$/m);
  assert.match(text, /"joy": \["glad"\],/);
  assert.throws(() => renderPlugin("nope" as never, spec), /unknown plugin target/);
});

test("emitted modules are Python 3.8 syntax and import only the standard library", async () => {
  const check = String.raw`
import ast, sys, json
bad = []
for path in sys.argv[1:]:
    src = open(path, encoding="utf-8").read()
    tree = ast.parse(src, filename=path, feature_version=(3, 8))
    compile(src, path, "exec")
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top not in ("facial_r1_rewards", "open_r1"):
                bad.append(path + ": " + name)
print(json.dumps(bad))
`;
  const files = PLUGIN_TARGETS.flatMap((t) => renderPlugin(t, DEFAULT_REWARD_SPEC).map((f) => join(PLUGINS_DIR, t, f.path)));
  assert.deepEqual(JSON.parse(await runPython(["-c", check, ...files])), []);
});

const FAKE_GRPO_JSONL = String.raw`
import json, sys
reward_funcs_registry = {"accuracy": "upstream-accuracy", "format": "upstream-format", "length": "upstream-length"}
events = []

class GRPOScriptArguments: pass
class GRPOConfig: pass
class GRPOModelConfig: pass

class _Args:
    def __init__(self, deepspeed):
        self.deepspeed = deepspeed

class TrlParser:
    def __init__(self, types):
        assert types == (GRPOScriptArguments, GRPOConfig, GRPOModelConfig)
    def parse_args_and_config(self):
        argv = sys.argv[1:]
        ds = argv[argv.index("--deepspeed") + 1] if "--deepspeed" in argv else None
        events.append("parse")
        return "script", _Args(ds), "model"

def monkey_patch_qwen2_5vl_forward():
    events.append("zero3-patch")

def main(script_args, training_args, model_args):
    events.append("main")
    names = {k: (v if isinstance(v, str) else v.__module__ + "." + v.__name__) for k, v in reward_funcs_registry.items()}
    cfg = globals().get("config")
    print(json.dumps({"events": events, "registry": names, "config": cfg, "args": [script_args, model_args]}))
`;

async function runLauncher(target: "vlm-r1" | "facial-r1", args: string[]): Promise<Record<string, unknown>> {
  const { dir, cleanup } = await tempDir();
  try {
    mkdirSync(join(dir, "open_r1", "configs"), { recursive: true });
    writeFileSync(join(dir, "open_r1", "__init__.py"), "");
    writeFileSync(join(dir, "open_r1", "grpo_jsonl.py"), FAKE_GRPO_JSONL);
    writeFileSync(join(dir, "open_r1", "configs", "config.json"), JSON.stringify({ "a.jsonl": { AUs: {}, emotions: { anger: 1 } } }));
    const out = await runPython([join(PLUGINS_DIR, target, "train_grpo.py"), ...args], { cwd: dir });
    return JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;
  } finally {
    await cleanup();
  }
}

test("vlm-r1 train_grpo.py adds the rewards to the registry, applies the ZeRO-3 patch, then runs main", async () => {
  const zero3 = await runLauncher("vlm-r1", ["--deepspeed", "local_scripts/zero3.json", "--reward_funcs", "format", "accuracy", "au"]);
  assert.deepEqual(zero3.events, ["parse", "zero3-patch", "main"]);
  assert.deepEqual(zero3.registry, {
    accuracy: "facial_r1_rewards.accuracy_reward",
    format: "facial_r1_rewards.format_reward",
    length: "upstream-length",
    au: "facial_r1_rewards.au_reward",
  });
  assert.deepEqual(zero3.args, ["script", "model"]);
  const zero2 = await runLauncher("vlm-r1", ["--deepspeed", "local_scripts/zero2.json"]);
  assert.deepEqual(zero2.events, ["parse", "main"]);
  assert.equal(zero2.config, null);
});

test("facial-r1 train_grpo.py also loads open_r1/configs/config.json into the trainer module", async () => {
  const run = await runLauncher("facial-r1", []);
  assert.deepEqual(run.events, ["parse", "main"]);
  assert.deepEqual(run.config, { "a.jsonl": { AUs: {}, emotions: { anger: 1 } } });
});

test("trainer conventions: fork ignores record weights, TRL None for missing columns, verl/EasyR1 ground truth forms, debug log", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const spec = REWARD_PRESETS["facial-r1"];
    for (const target of PLUGIN_TARGETS) await buildPlugin({ target, spec, outDir: join(dir, target) });
    const good = "<think>AU4 and AU7</think>\n<answer>anger</answer>";
    const half = "<think>AU4</think>\n<answer>anger</answer>";
    const script = String.raw`
import importlib.util, json, os, sys
def load(t):
    s = importlib.util.spec_from_file_location("m_" + t.replace("-", "_"), os.path.join(sys.argv[1], t, "facial_r1_rewards.py"))
    m = importlib.util.module_from_spec(s); s.loader.exec_module(m); return m
good, half = sys.argv[2], sys.argv[3]
msg = lambda c: [{"role": "assistant", "content": c}]
out = {}
fork = load("facial-r1")
cols = dict(AUs=[["AU4", "AU7"]] * 3, labels=[["anger"]] * 3, solution=["<answer>anger</answer>"] * 3)
out["fork_au"] = fork.au_reward([msg(half)] * 3, weights=[2.5, 0.0, "x"], **{k: v for k, v in cols.items() if k != "AUs"}, AUs=cols["AUs"])
out["fork_format"] = fork.format_reward([msg(good)] * 3, weights=[2.5, 0.0, True])
out["fork_beta"] = fork.au_reward([msg(half)], AUs=[["AU4", "AU7"]], weights=[1.0], beta=2.0)
trl = load("trl")
out["trl_missing"] = [trl.accuracy_reward(completions=[good]), trl.au_reward(completions=[good]), trl.format_reward(completions=[good])]
out["trl_partial"] = trl.accuracy_reward(completions=[good, good], labels=[None, ["anger"]])
turns = [{"role": "assistant", "content": "", "tool_calls": []}, {"role": "tool", "content": "<answer>joy</answer>"}, {"role": "assistant", "content": good}]
out["trl_turns"] = trl.accuracy_reward(completions=[turns], labels=[["anger"]])
verl = load("verl")
out["verl_dict"] = verl.compute_score("d", half, {"AUs": ["AU4", "AU7"], "labels": ["anger"]})
out["verl_json"] = verl.compute_score("d", half, json.dumps({"AUs": ["AU4", "AU7"], "labels": ["anger"]}))
out["verl_plain"] = verl.compute_score("d", half, "anger")
out["verl_extra"] = verl.compute_score("d", half, "anger", {"AUs": ["AU4", "AU7"]})
out["verl_scalar"] = verl.compute_score_scalar("d", half, {"AUs": ["AU4", "AU7"], "labels": ["anger"]})
out["verl_batch"] = verl.compute_score_batch(data_sources=["d"], solution_strs=[half], ground_truths=[{"AUs": ["AU4", "AU7"], "labels": ["anger"]}], extra_infos=[None])
easy = load("easyr1")
out["easy"] = easy.compute_score([{"response": half, "response_length": 9, "ground_truth": {"AUs": ["AU4", "AU7"], "labels": ["anger"]}}, "junk"])
out["easy_type"] = easy.REWARD_TYPE
vlm = load("vlm-r1")
os.environ["DEBUG_MODE"] = "true"; os.environ["LOG_PATH"] = os.path.join(sys.argv[1], "rollout.txt")
vlm.accuracy_reward([msg(good)], solution=["<answer>anger</answer>"], problem=["What?"], image_path=[["a.png"]], accu_reward_method=["default"])
vlm.format_reward([msg(good), msg("x")])
out["log"] = open(os.environ["LOG_PATH"], encoding="utf-8").read()
out["format_log"] = open(os.path.join(sys.argv[1], "rollout_format.txt"), encoding="utf-8").read()
print(json.dumps(out))
`;
    const out = JSON.parse(await runPython(["-c", script, dir, good, half])) as Record<string, unknown>;
    const au = scoreCompletion(half, { AUs: ["AU4", "AU7"], labels: ["anger"] }).au;
    assert.deepEqual(out.fork_au, [au, au, au], "the fork's record weight goes to the loss, not the reward");
    assert.deepEqual(out.fork_format, [1, 1, 1]);
    const recall = 0.5;
    assert.deepEqual(out.fork_beta, [2 * (((1 + 4) * 1 * recall) / (4 * 1 + recall)) - 1]);
    assert.deepEqual(out.trl_missing, [[null], [null], [1]]);
    assert.deepEqual(out.trl_partial, [null, 1]);
    assert.deepEqual(out.trl_turns, [1], "the last assistant message carries the answer");
    const want = scoreCompletion(half, { AUs: ["AU4", "AU7"], labels: ["anger"] });
    const verl = { score: want.total, format: want.format, accuracy: want.accuracy, au: want.au };
    assert.deepEqual(out.verl_dict, verl);
    assert.deepEqual(out.verl_json, verl);
    assert.deepEqual(out.verl_extra, verl);
    assert.deepEqual(out.verl_batch, [verl]);
    assert.equal(out.verl_scalar, want.total);
    const plain = scoreCompletion(half, { solution: "anger" });
    assert.deepEqual(out.verl_plain, { score: plain.total, format: plain.format, accuracy: plain.accuracy, au: plain.au });
    assert.deepEqual(out.easy, [
      { overall: want.total, score: (want.total + 1) / 4, format: want.format, accuracy: want.accuracy, au: want.au },
      { overall: 0, score: 0.25, format: 0, accuracy: 0, au: 0 },
    ]);
    assert.equal(out.easy_type, "batch");
    const log = out.log as string;
    assert.match(log, /^------------- \d\d-\d\d-\d\d-\d\d-\d{6} Accuracy reward: 1\.0 -------------\naccu_reward_method: default\nimage_path: \['a\.png'\]\nproblem: What\?\nContent: <think>AU4 and AU7<\/think>\n<answer>anger<\/answer>\nSolution: <answer>anger<\/answer>\n$/);
    assert.match(out.format_log as string, /Format reward -------------\nContent: <think>[^]*Has format: True\nContent: x\nHas format: False\n$/);
  } finally {
    await cleanup();
  }
});

test("buildPlugin writes atomically into the out dir and returns the paths", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const written = await buildPlugin({ target: "vlm-r1", spec: DEFAULT_REWARD_SPEC, outDir: join(dir, "out") });
    assert.deepEqual(written, [join(dir, "out", "facial_r1_rewards.py"), join(dir, "out", "train_grpo.py")]);
    assert.equal(readFileSync(written[0], "utf8"), renderPlugin("vlm-r1", DEFAULT_REWARD_SPEC)[0].content);
  } finally {
    await cleanup();
  }
});
