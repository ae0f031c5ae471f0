import assert from "node:assert/strict";
import { chmod, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { planRun } from "../../src/trainer/bundle/plan.js";
import { ROOT, tempDir } from "../helpers/cli.js";
import { jsonLines, runPython } from "../plugins/python.js";
import { forkConfigs, readJson, run, SAMPLE, sampleVariant, standIn } from "./harness.js";

process.env.FACIAL_R1_QUIET = "1";

/** The quickstart config for another trainer target, with absolute sample paths. */
async function quickstartFor(dir: string, target: "vlm-r1" | "facial-r1", edit: (text: string) => string = (text) => text): Promise<string> {
  return sampleVariant({
    from: join(ROOT, "configs", "quickstart.yaml"),
    to: join(dir, `quickstart-${target}.yaml`),
    replace: (text) => edit(text.replace("target: facial-r1", `target: ${target}`).replaceAll("../samples/fea-sample", SAMPLE)),
  });
}

async function logHistory(outputDir: string): Promise<Record<string, number>[]> {
  return (await readJson(join(outputDir, "trainer_state.json"))).log_history as Record<string, number>[];
}

test("vlm-r1: the launcher imports upstream grpo_jsonl.py (bare utils.math), whose data preparation and reward calls run on the plan", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "vlm-r1");
    if (!trainer) return;
    const config = await quickstartFor(dir, "vlm-r1");
    const bundle = join(dir, "bundle");
    const planned = await planRun({ config, out: bundle, progress: false });
    assert.ok(planned.written, JSON.stringify(planned.preflight.problems));
    assert.equal(planned.shards[0].counts.written, 36, "upstream trains on records without AUs too");

    const ok = await run("bash", [join(bundle, "grpo.sh")], trainer.env);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /stand-in: zero3 forward patch applied/, "the zero3 forward patch runs for the zero3 config");
    const history = await logHistory(join(bundle, "outputs", "quickstart"));
    const first = history[0];
    for (const key of ["rewards/format_reward", "rewards/accuracy_reward", "rewards/au_reward"]) assert.equal(typeof first[key], "number", key);
    assert.ok(Math.abs(first.reward - (first["rewards/format_reward"] + first["rewards/accuracy_reward"] + first["rewards/au_reward"])) < 1e-9);
    assert.match(await readFile(join(bundle, "outputs", "quickstart", "rollouts.log"), "utf8"), /Accuracy reward: /);

    // Without the open_r1 folder on sys.path, upstream's bare `from utils.math import` fails at import.
    const launcher = join(bundle, "plugin", "train_grpo.py");
    const text = await readFile(launcher, "utf8");
    await writeFile(launcher, text.replace("sys.path.insert(1, _open_r1_folder())", "pass"));
    const broken = await run("bash", [join(bundle, "grpo.sh")], trainer.env);
    assert.notEqual(broken.code, 0);
    assert.match(broken.output, /No module named 'utils'/);
  } finally {
    await cleanup();
  }
});

test("configs/lora-1gpu.yaml on the sample runs on the stand-in upstream trainer (LoRA flags, ZeRO-2, one GPU)", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "vlm-r1");
    if (!trainer) return;
    const config = await sampleVariant({
      from: join(ROOT, "configs", "lora-1gpu.yaml"),
      to: join(dir, "lora-1gpu.yaml"),
      replace: (text) =>
        text
          .replace(/- \{file: [^}]*\}/, `- {file: ${SAMPLE}/train.jsonl, images: ${SAMPLE}/images}`)
          .replace("/checkpoints/Qwen2.5-VL-7B-Instruct-facial-r1-lora", join(dir, "lora-out")),
    });
    const bundle = join(dir, "bundle");
    const planned = await planRun({ config, out: bundle, progress: false });
    assert.ok(planned.written, JSON.stringify(planned.preflight.problems));
    const result = await run("bash", [join(bundle, "grpo.sh")], { ...trainer.env, GPUS_PER_NODE: "1" });
    assert.equal(result.code, 0, result.output);
    assert.doesNotMatch(result.output, /forward patch applied/, "no ZeRO-3 patch with zero2.json");
    const history = await logHistory(join(dir, "lora-out"));
    assert.ok(history.length > 1);
  } finally {
    await cleanup();
  }
});

test("facial-r1: the quickstart bundle runs on the fork's data preparation; a record with AUs [] stops it as preflight says", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "facial-r1");
    if (!trainer) return;
    const bundle = join(dir, "bundle");
    const planned = await planRun({ config: join(ROOT, "configs", "quickstart.yaml"), out: bundle, progress: false });
    assert.ok(planned.written);
    assert.equal(planned.shards[0].counts.droppedEmptyAus, 4);
    const ok = await run("bash", [join(bundle, "grpo.sh")], trainer.env);
    assert.equal(ok.code, 0, ok.output);
    const history = await logHistory(join(bundle, "outputs", "quickstart"));
    assert.ok(Math.abs(history[0].reward) <= 10, "the fork clamps the total");

    // Put one dropped record back: the fork's mapping runs range() over its float weight.
    const sample = (await readFile(join(SAMPLE, "train.jsonl"), "utf8")).split("\n").filter(Boolean);
    const empty = sample.find((l) => (JSON.parse(l) as { AUs: string[] }).AUs.length === 0)!;
    await writeFile(join(bundle, "data", "train.jsonl"), `${await readFile(join(bundle, "data", "train.jsonl"), "utf8")}${empty}\n`);
    const broken = await run("bash", [join(bundle, "grpo.sh")], trainer.env);
    assert.notEqual(broken.code, 0);
    assert.match(broken.output, /TypeError: 'float' object cannot be interpreted as an integer/);
  } finally {
    await cleanup();
  }
});

test("facial-r1: the plugin returns the fork's unweighted rewards whatever the weights column holds", async () => {
  const sample = (await readFile(join(ROOT, "tests", "fixtures", "reward-vectors.sample.jsonl"), "utf8")).split("\n").filter(Boolean);
  const script = String.raw`
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("fork_plugin", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
for line in sys.stdin:
    v = json.loads(line)
    msg = [[{"role": "assistant", "content": v["completion"]}]] * 3
    cols = {"AUs": [v["AUs"]] * 3, "labels": [v["labels"]] * 3, "solution": ["<answer>%s</answer>" % (v["labels"] or [""])[0]] * 3}
    weights = [0.0, 0.37, 10.0]
    print(json.dumps({name: m.REWARD_FUNCS[name](completions=msg, weights=weights, **cols) for name in ("format", "accuracy", "au")}))
`;
  const out = jsonLines(await runPython(["-c", script, join(ROOT, "plugins", "facial-r1", "facial_r1_rewards.py")], { input: sample.join("\n") }));
  assert.equal(out.length, sample.length);
  out.forEach((row, i) => {
    const expected = (JSON.parse(sample[i]) as { expected: Record<string, number> }).expected;
    for (const name of ["format", "accuracy", "au"]) assert.deepEqual(row[name], [expected[name], expected[name], expected[name]], `vector ${i + 1} ${name}`);
  });
});

test("grpo.sh keeps the fork's own config.json across bundles, and restore_trainer_config.sh puts it back", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "facial-r1");
    if (!trainer) return;
    // Only the script's own file handling matters here: a torchrun that does nothing.
    const bin = join(dir, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "torchrun"), "#!/bin/sh\nexit 0\n");
    await chmod(join(bin, "torchrun"), 0o755);
    const env = { ...trainer.env, PATH: `${bin}:${trainer.env.PATH}` };
    const configs = forkConfigs(trainer.home);
    const original = await readFile(join(configs, "config.json"), "utf8");

    const first = join(dir, "first");
    const second = join(dir, "second");
    assert.ok((await planRun({ config: join(ROOT, "configs", "quickstart.yaml"), out: first, progress: false })).written);
    const other = await quickstartFor(dir, "facial-r1", (text) => text.replace(`images: ${SAMPLE}/images\neval:`, `images: ${SAMPLE}/images\n    sample: {strategy: first, count: 20}\neval:`));
    assert.ok((await planRun({ config: other, out: second, progress: false })).written);

    for (const bundle of [first, second, first]) assert.equal((await run("bash", [join(bundle, "grpo.sh")], env)).code, 0);
    assert.equal(await readFile(join(configs, "config.json.before-facial-r1"), "utf8"), original, "the fork's own file, not an earlier bundle's");
    assert.equal(await readFile(join(configs, "config.json"), "utf8"), await readFile(join(first, "data", "config.json"), "utf8"));
    assert.deepEqual((await readdir(configs)).sort(), ["config.json", "config.json.before-facial-r1", "config.json.facial-r1"]);

    // A config.json edited after facial-r1 installed it is the user's: restore refuses, the next run keeps it too.
    await writeFile(join(configs, "config.json"), "{}\n");
    const refused = await run("bash", [join(first, "restore_trainer_config.sh")], env);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /was changed after facial-r1 installed it/);
    assert.equal(await readFile(join(configs, "config.json"), "utf8"), "{}\n");
    assert.equal((await run("bash", [join(second, "grpo.sh")], env)).code, 0);
    assert.equal(await readFile(join(configs, "config.json.before-facial-r1.1"), "utf8"), "{}\n");

    const restored = await run("bash", [join(second, "restore_trainer_config.sh")], env);
    assert.equal(restored.code, 0, restored.output);
    assert.equal(await readFile(join(configs, "config.json"), "utf8"), original);
    assert.ok(!(await readdir(configs)).includes("config.json.facial-r1"));
  } finally {
    await cleanup();
  }
});
