import assert from "node:assert/strict";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { planRun } from "../../src/trainer/bundle/plan.js";
import { ROOT, tempDir } from "../helpers/cli.js";
import { run, SAMPLE, sampleVariant, standIn } from "./harness.js";

process.env.FACIAL_R1_QUIET = "1";

async function sftBundle(dir: string, target: "vlm-r1" | "facial-r1", deepspeed = "zero3"): Promise<string> {
  const config = await sampleVariant({
    from: join(ROOT, "configs", "quickstart.yaml"),
    to: join(dir, `sft-${target}.yaml`),
    replace: (text) =>
      text
        .replace("stage: grpo", "stage: sft")
        .replace("target: facial-r1", `target: ${target}`)
        .replaceAll("../samples/fea-sample", SAMPLE)
        .replace("training:\n", `training:\n  deepspeed: ${deepspeed}\n`),
  });
  const bundle = join(dir, `bundle-${target}-${deepspeed}`);
  const planned = await planRun({ config, out: bundle, progress: false });
  assert.ok(planned.written, JSON.stringify(planned.preflight.problems));
  return bundle;
}

async function edit(file: string, change: (text: string) => string): Promise<void> {
  const text = await readFile(file, "utf8");
  const changed = change(text);
  assert.notEqual(changed, text, `no change made to ${file}`);
  await writeFile(file, changed);
}

test("facial-r1 SFT: the fork's own sft.py parses the launch line and reads each YAML entry's image_root", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "facial-r1");
    if (!trainer) return;
    const bundle = await sftBundle(dir, "facial-r1", "zero3-offload");
    const ok = await run("bash", [join(bundle, "sft.sh")], trainer.env);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /Loaded 36 samples from /);
    assert.ok((await readdir(join(bundle, "outputs", "quickstart"))).some((f) => f.startsWith("checkpoint-")));

    // What the fork refuses: --image_root (its SFTScriptArguments has no such field) ...
    const script = join(bundle, "sft.sh");
    const original = await readFile(script, "utf8");
    await edit(script, (text) => text.replace(/--dataset_name /, "--image_root / --dataset_name "));
    const flag = await run("bash", [script], trainer.env);
    assert.notEqual(flag.code, 0);
    assert.match(flag.output, /Some specified arguments are not used by the HfArgumentParser: \['--image_root', '\/'\]/);
    // ... and a datasets YAML entry without image_root.
    await writeFile(script, original.replace(/\n {2}printf ' {4}image_root: [^\n]*/g, ""));
    const yaml = await run("bash", [script], trainer.env);
    assert.notEqual(yaml.code, 0);
    assert.match(yaml.output, /KeyError: 'image_root'/);
  } finally {
    await cleanup();
  }
});

test("vlm-r1 SFT: the launcher feeds Facial-R1 records to upstream's sft.py, which alone cannot take them", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "vlm-r1");
    if (!trainer) return;
    const bundle = await sftBundle(dir, "vlm-r1");
    const ok = await run("bash", [join(bundle, "sft.sh")], trainer.env);
    assert.equal(ok.code, 0, ok.output);
    assert.ok((await readdir(join(bundle, "outputs", "quickstart"))).some((f) => f.startsWith("checkpoint-")));

    const script = join(bundle, "sft.sh");
    await edit(script, (text) => text.replace('"${BUNDLE_DIR}"/plugin/train_sft.py', "open_r1/sft.py"));
    const upstream = await run("bash", [script], trainer.env);
    assert.notEqual(upstream.code, 0);
    assert.match(upstream.output, /KeyError: 'solution'/, "upstream's dataset class reads a bounding box from `solution`");
  } finally {
    await cleanup();
  }
});

test("accelerate refuses ZeRO settings in its config file next to the DeepSpeed JSON the bundle passes", async (t) => {
  const { dir, cleanup } = await tempDir();
  try {
    const trainer = await standIn(t, dir, "facial-r1");
    if (!trainer) return;
    const bundle = await sftBundle(dir, "facial-r1");
    await edit(join(bundle, "accelerate", "zero3.yaml"), (text) => text.replace("  zero3_init_flag: true", "  zero3_init_flag: true\n  zero_stage: 3\n  offload_optimizer_device: none"));
    const result = await run("bash", [join(bundle, "sft.sh")], trainer.env);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /When using `deepspeed_config_file`, the following accelerate config variables will be ignored/);
  } finally {
    await cleanup();
  }
});
