import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { access, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { planRun, planSampleRun } from "../../src/trainer/bundle/plan.js";
import { auWeightsFromFrequencies, normalizedWeight, rawRecordWeight } from "../../src/trainer/fork-weights.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { configYaml, writeDataset, writeTinyTokenizer } from "./fixture.js";

process.env.FACIAL_R1_QUIET = "1";

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function jsonl(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test("plan writes a complete fork bundle whose manifest hashes every file", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeDataset({ dir, file: "data/a.jsonl", images: "img-a", count: 12, overrides: (i) => (i === 5 ? { is_valid: false } : {}) });
    await writeDataset({ dir, file: "data/b.jsonl", images: "img-b", count: 8 });
    await writeFile(
      join(dir, "run.yaml"),
      configYaml({ datasets: [{ file: "data/a.jsonl", images: "img-a" }, { file: "data/b.jsonl", images: "img-b" }], extra: "eval:\n  datasets:\n    - {file: data/b.jsonl, images: img-b}\n" }),
    );
    const out = join(dir, "bundle");
    // Records with "AUs": [] stop the fork's data preparation: refused, each listed, nothing written.
    const refused = await planRun({ config: join(dir, "run.yaml"), out, progress: false });
    assert.equal(refused.written, false);
    assert.deepEqual(
      refused.preflight.problems.filter((p) => p.field === "AUs").map((p) => `${p.file?.split("/").pop()}:${p.line}`),
      ["a.jsonl:3", "a.jsonl:7", "a.jsonl:11", "b.jsonl:3", "b.jsonl:7"],
    );
    const summary = refused.preflight.problems.find((p) => p.field === "datasets[0].file")!;
    assert.match(summary.message, /^3 of 11 records have "AUs": \[\] and would stop the Facial-R1 fork/);
    assert.match(summary.fix!, /--drop-empty-aus/);
    assert.equal(await exists(out), false);

    const result = await planRun({ config: join(dir, "run.yaml"), out, progress: false, dropEmptyAus: true });
    assert.ok(result.written, JSON.stringify(result.preflight.problems));
    assert.deepEqual(result.shards.map((s) => s.counts.droppedEmptyAus), [3, 2]);
    assert.match(result.preflight.problems.find((p) => p.field === "datasets[0].file")!.message, /3 of 11 records have "AUs": \[\] and are left out/);
    for (const rel of ["grpo.sh", "eval.sh", "manifest.json", "restore_trainer_config.sh", "deepspeed/zero2.json", "deepspeed/zero3.json", "deepspeed/zero3_offload.json", "accelerate/zero3.yaml", "plugin/facial_r1_rewards.py", "plugin/train_grpo.py", "data/a.jsonl", "data/b.jsonl", "data/config.json", "eval/b.jsonl"]) {
      assert.ok(await exists(join(out, rel)), `${rel} missing`);
    }
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.format, "facial-r1-run-bundle/1");
    assert.equal(manifest.config.training.learning_rate, 2e-5);
    const listed = new Set(manifest.outputs.map((o: { path: string }) => o.path));
    for (const file of await allFiles(out)) {
      const rel = file.slice(out.length + 1);
      if (rel === "manifest.json") continue;
      assert.ok(listed.has(rel), `${rel} not in manifest`);
      const entry = manifest.outputs.find((o: { path: string }) => o.path === rel);
      assert.equal(entry.sha256, createHash("sha256").update(await readFile(file)).digest("hex"), `${rel} hash`);
    }
    const input = manifest.inputs.find((i: { path: string }) => i.path.endsWith("a.jsonl"));
    assert.equal(input.sha256, createHash("sha256").update(await readFile(join(dir, "data/a.jsonl"))).digest("hex"));
    assert.equal(manifest.arithmetic.trainRecords, 14, "12 + 8 records, one marked is_valid=false, 5 without AUs");
    assert.equal(manifest.config.trainer.drop_empty_aus, true);
    assert.ok(manifest.notes.some((n: string) => /3 record\(s\) with "AUs": \[\] were left out of data\/a.jsonl/.test(n)));
    assert.equal(manifest.checked_against.trainer.repo, "RobitsG/Facial-R1");
    assert.match(manifest.checked_against.trainer.commit, /^[0-9a-f]{40}$/);
    assert.equal(manifest.scripts.restore_trainer_config, "restore_trainer_config.sh");
    assert.equal(manifest.arithmetic.worldSize, 8);
    assert.equal(manifest.arithmetic.globalBatch, 256);

    // The fork's per-file frequency map, keyed by basename, and its weights on every record.
    const frequencies = JSON.parse(await readFile(join(out, "data/config.json"), "utf8"));
    assert.deepEqual(Object.keys(frequencies).sort(), ["a.jsonl", "b.jsonl"]);
    const shard = await jsonl(join(out, "data/a.jsonl"));
    assert.equal(shard.length, 8);
    assert.ok(shard.every((r) => (r.AUs as string[]).length > 0));
    assert.ok(!shard.some((r) => r.id === "r-5"));
    const auWeights = auWeightsFromFrequencies(frequencies["a.jsonl"].AUs);
    const raw = shard.map((r) => (rawRecordWeight(r.AUs as string[], auWeights) as { weight: number }).weight);
    const [min, max] = [Math.min(...raw), Math.max(...raw)];
    shard.forEach((r, i) => assert.equal(r.weights, normalizedWeight(raw[i], min, max, (r.AUs as string[]).length > 0)));
    assert.ok(shard.some((r) => (r.weights as number) === 10), "the heaviest record with AUs weighs 10");
    // The script reads the shards by their bundle path and installs the frequency map.
    const script = await readFile(join(out, "grpo.sh"), "utf8");
    assert.match(script, /--data_file_paths "\$\{BUNDLE_DIR\}"\/data\/a.jsonl:"\$\{BUNDLE_DIR\}"\/data\/b.jsonl/);
    assert.match(script, /cp "\$\{BUNDLE_DIR\}\/data\/config.json" "\$\{configs\}\/config.json"/);
  } finally {
    await cleanup();
  }
});

test("upstream bundles carry conversations plus the AUs and labels columns; sampling keeps the chosen records", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeDataset({ dir, file: "data/a.jsonl", images: "img", count: 10 });
    const text = configYaml({ target: "vlm-r1", datasets: [{ file: "data/a.jsonl", images: "img" }] }).replace('images: "img"', 'images: "img"\n    sample: {strategy: first, count: 3}');
    await writeFile(join(dir, "run.yaml"), text);
    const out = join(dir, "bundle");
    const result = await planRun({ config: join(dir, "run.yaml"), out, progress: false });
    assert.ok(result.written);
    const shard = await jsonl(join(out, "data/a.jsonl"));
    assert.deepEqual(shard.map((r) => r.id), ["r-0", "r-1", "r-2"]);
    assert.deepEqual(shard[0], {
      id: "r-0",
      image: "img-0.png",
      conversations: [
        { from: "human", value: "<image>What emotion does this face show?" },
        { from: "gpt", value: "<answer>sadness</answer>" },
      ],
      AUs: ["AU1", "AU4", "AU15"],
      labels: ["sadness"],
    });
    assert.equal(await exists(join(out, "data/config.json")), false, "upstream reads no frequency map");
    assert.equal(result.shards[0].counts.notSelected, 7);
  } finally {
    await cleanup();
  }
});

test("records longer than a read or write block reach the shard whole, with their weights", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const long = "a long description ".repeat(150_000); // 2.8 MB
    await writeDataset({ dir, file: "data/a.jsonl", images: "img", count: 6, overrides: (i) => (i === 3 ? { description: long } : {}) });
    await writeFile(join(dir, "run.yaml"), configYaml({ dropEmptyAus: true, datasets: [{ file: "data/a.jsonl", images: "img" }] }));
    const out = join(dir, "bundle");
    const result = await planRun({ config: join(dir, "run.yaml"), out, progress: false });
    assert.ok(result.written, JSON.stringify(result.preflight.problems));
    const shard = await jsonl(join(out, "data/a.jsonl"));
    assert.deepEqual(shard.map((r) => r.id), ["r-0", "r-1", "r-3", "r-4", "r-5"]);
    assert.equal(shard[2].description, long);
    assert.equal(typeof shard[2].weights, "number");
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    const entry = manifest.outputs.find((o: { path: string }) => o.path === "data/a.jsonl");
    assert.equal(entry.sha256, createHash("sha256").update(await readFile(join(out, "data/a.jsonl"))).digest("hex"));
  } finally {
    await cleanup();
  }
});

test("bad data is refused with file:line and nothing is written", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeDataset({ dir, file: "data/a.jsonl", images: "img", count: 6, skipImages: [2], overrides: (i) => (i === 4 ? { image: "../outside.png" } : {}) });
    await writeFile(join(dir, "outside.png"), "x");
    await writeFile(join(dir, "run.yaml"), configYaml({ datasets: [{ file: "data/a.jsonl", images: "img" }, { file: "data/missing.jsonl", images: "nope" }] }));
    const out = join(dir, "bundle");
    const r = await runCli(["plan", join(dir, "run.yaml"), "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /data\/a\.jsonl:3: image: img-2\.png: image file not found/);
    assert.match(r.stderr, /data\/a\.jsonl:5: image: \.\.\/outside\.png: path leaves the image folder/);
    assert.match(r.stderr, /run\.yaml:\d+:\d+: datasets\[1\]\.file: data file not found/);
    assert.match(r.stderr, /nothing written/);
    assert.equal(await exists(out), false);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".tmp")), [], "the data written during preflight is gone");
  } finally {
    await cleanup();
  }
});

test("impossible batch arithmetic and a flag the trainer does not have are refused before anything is written", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeDataset({ dir, file: "data/train.jsonl", images: "images", count: 4 });
    await writeFile(
      join(dir, "run.yaml"),
      configYaml({ extra: "training:\n  per_device_batch: 3\n  num_generations: 16\n  extra_args:\n    warmup_ratoi: 0.1\n" }),
    );
    const out = join(dir, "bundle");
    const r = await runCli(["plan", join(dir, "run.yaml"), "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /run\.yaml:11:21: training\.per_device_batch: \(per_device_batch 3 × world size 8\) % num_generations 16/);
    assert.match(r.stderr, /run\.yaml:14:19: training\.extra_args\.warmup_ratoi: the GRPO \(grpo_jsonl\.py\) parser has no flag --warmup_ratoi.*did you mean --warmup_ratio/);
    assert.equal(await exists(out), false);
  } finally {
    await cleanup();
  }
});

test("config validate: typo suggestions with line:column, exit 2; a valid config exits 0", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, "bad.yaml"), configYaml({ extra: "hardwre:\n  nodes: 2\n" }));
    const bad = await runCli(["config", "validate", join(dir, "bad.yaml"), "--json"]);
    assert.equal(bad.code, 2);
    const report = JSON.parse(bad.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.problems[0].field, "hardwre");
    assert.match(bad.stderr, /bad\.yaml:10:1: hardwre: unknown key "hardwre"; did you mean "hardware"\?/);
    await writeFile(join(dir, "batch.yaml"), configYaml({ extra: "training:\n  per_device_batch: 1\n  num_generations: 16\n" }));
    const batch = await runCli(["config", "validate", join(dir, "batch.yaml")]);
    assert.equal(batch.code, 2);
    assert.match(batch.stderr, /batch\.yaml:11:21: training\.per_device_batch: \(per_device_batch 1 × world size 8\) % num_generations 16 = 8/);
    const init = await runCli(["config", "init", join(dir, "starter.yaml"), "--stage", "grpo-task"]);
    assert.equal(init.code, 0, init.stderr);
    const again = await runCli(["config", "init", join(dir, "starter.yaml")]);
    assert.equal(again.code, 2, "refuses to overwrite");
    const good = await runCli(["config", "validate", join(dir, "starter.yaml")]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /valid/);
  } finally {
    await cleanup();
  }
});

test("no secret from the environment ends up in any generated file", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeDataset({ dir, file: "data/train.jsonl", images: "images", count: 8 });
    await writeFile(join(dir, "run.yaml"), configYaml({ dropEmptyAus: true, extra: "tracking:\n  backend: wandb\n  project: p\n" }));
    const secrets = { WANDB_API_KEY: "wandb-secret-1f2e3d", HF_TOKEN: "hf_secretTOKEN42", OPENAI_API_KEY: "sk-secret-openai-77" };
    const out = join(dir, "bundle");
    const r = await runCli(["plan", join(dir, "run.yaml"), "--out", out, "--json"], { env: secrets });
    assert.equal(r.code, 0, r.stderr);
    const files = await allFiles(out);
    assert.ok(files.length > 10);
    for (const file of files) {
      const content = await readFile(file, "utf8");
      for (const value of Object.values(secrets)) assert.ok(!content.includes(value), `${file} contains a secret`);
    }
    for (const value of Object.values(secrets)) assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value));
    const script = await readFile(join(out, "grpo.sh"), "utf8");
    assert.match(script, /\$\{WANDB_API_KEY:\?/, "the script requires the key from the environment");
  } finally {
    await cleanup();
  }
});

test("preflight uses the model's own tokenizer offline and flags SFT targets longer than max_completion_length", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeTinyTokenizer(dir, "what emotion does this face show ? the shows so is");
    await writeDataset({ dir, file: "data/train.jsonl", images: "images", count: 4, overrides: (i) => (i === 1 ? { description: "word ".repeat(300) } : {}) });
    await writeFile(join(dir, "run.yaml"), configYaml({ stage: "sft", target: "vlm-r1", model: "models/Qwen2.5-VL-7B-tiny" }));
    const r = await runCli(["preflight", join(dir, "run.yaml"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.tokens.source, "tokenizer");
    assert.equal(report.files[0].longCompletions, 1);
    assert.match(r.stderr, /data\/train\.jsonl:2: description: SFT target is \d+ tokens, over max_completion_length 256/);
    assert.equal(report.files[0].imageTokensMax, 8, "84x56 images: 6 tokens + 2 wrappers");
    assert.ok(report.memory.verdict);
  } finally {
    await cleanup();
  }
});

test("the bundled sample run plans cleanly (what quickstart calls)", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const result = await planSampleRun({ out: join(dir, "quickstart"), progress: false });
    assert.ok(result.written, JSON.stringify(result.preflight.problems));
    assert.equal(result.preflight.errors, 0);
    const lines = (await readFile(join(dir, "quickstart", "data", "train.jsonl"), "utf8")).trim().split("\n");
    assert.equal(lines.length, result.preflight.files[0].selected);
    assert.ok(lines.length > 0);
  } finally {
    await cleanup();
  }
});

test("a plan that cannot fit in GPU memory is refused with the estimate", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeDataset({ dir, file: "data/train.jsonl", images: "images", count: 4 });
    await writeFile(join(dir, "run.yaml"), configYaml({ dropEmptyAus: true, extra: "hardware:\n  profile: 1xA100-80G-lora\ntraining:\n  finetuning: full\n" }));
    const out = join(dir, "bundle");
    const result = await planRun({ config: join(dir, "run.yaml"), out, progress: false });
    assert.equal(result.written, false);
    assert.equal(result.preflight.memory?.verdict, "does-not-fit");
    const finding = result.preflight.problems.find((p) => /GPU memory: does not fit/.test(p.message));
    assert.ok(finding);
    assert.equal(finding.field, "training");
    assert.equal(await exists(out), false);
    // The same model with LoRA fits on the one GPU.
    await writeFile(join(dir, "run.yaml"), configYaml({ dropEmptyAus: true, extra: "hardware:\n  profile: 1xA100-80G-lora\ntraining:\n  deepspeed: zero2\n" }));
    const lora = await planRun({ config: join(dir, "run.yaml"), out, progress: false });
    assert.ok(lora.written, JSON.stringify(lora.preflight.problems));
    assert.match(await readFile(join(out, "grpo.sh"), "utf8"), /--use_peft true/);
  } finally {
    await cleanup();
  }
});
