import assert from "node:assert/strict";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { ROOT } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";
import { plan, trlConfig, writeConfig } from "../targets/trl-helpers.js";
import { cli, launchEnv, scratch } from "./fixture.js";

const SLURM_FLAGS = ["--backend", "slurm", "--gpus-per-node", "0", "--no-exclusive"];

test("trl on the real Slurm: the bundle's grpo.sh runs the real GRPOTrainer (CPU, tiny Qwen2.5-VL) through the stand-in accelerate, and pull brings back metrics and charts", async (t) => {
  const env = launchEnv(t);
  if (!env) return;
  const python = testPython(t)!;
  const dir = await scratch();
  try {
    const model = join(dir, "tiny-qwen2.5-vl");
    const build = spawnSync(python, ["-c", "import json,sys\nfrom tiny_models import SPECIAL, build_tokenizer, vision_model_and_processor\nm,p=vision_model_and_processor(build_tokenizer())\nm.save_pretrained(sys.argv[1]);p.tokenizer.save_pretrained(sys.argv[1]);p.image_processor.save_pretrained(sys.argv[1])\nprint(json.dumps([[p.tokenizer.convert_tokens_to_ids(t)] for t in SPECIAL[3:]], separators=(\",\", \":\")))", model], {
      cwd: join(ROOT, "tests", "python"),
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: join(ROOT, "tests", "python") },
    });
    assert.equal(build.status, 0, build.stderr);
    const badWords = build.stdout.trim();
    const config = trlConfig({
      name: "trl-slurm",
      model: { path: model, parameters_b: 0.001 },
      hardware: { profile: "1xA100-80G-lora" },
      training: { finetuning: "full", attn_implementation: "eager", per_device_batch: 4, gradient_accumulation: 1, num_generations: 4, max_completion_length: 16, max_steps: 2, save_strategy: "no" },
    });
    const bundle = join(dir, "bundle");
    await plan(await writeConfig(dir, "trl-slurm", config), bundle);
    const trlArgs = `--use_vllm false --use_cpu true --bf16 false --model_init_kwargs {"dtype":"float32"} --generation_kwargs {"bad_words_ids":${badWords}}`;
    await writeFile(join(dir, "trl-args"), trlArgs);
    const setup = [
      // The stand-in accelerate (records the rendezvous, runs the entry on rank 0) before the test environment's Python.
      `export PATH=${join(ROOT, "tests", "stand-in", "bin")}:${dirname(python)}:$PATH`,
      `export PYTHONPATH=${join(ROOT, "tests", "python", "bundle_site")}`,
      `export HF_DATASETS_CACHE=${join(dir, "hf-datasets")} HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1`,
      `export TRL_ARGS="$(cat ${join(dir, "trl-args")})"`,
    ].flatMap((line) => ["--setup", line]);
    const home = join(dir, "home");
    const launched = await cli(home, ["launch", bundle, ...SLURM_FLAGS, "--master-port", String(21000 + (process.pid % 9000)), ...setup, "--wait", "finished", "--json"], env);
    assert.equal(launched.code, 0, launched.stderr);
    const record = JSON.parse(launched.stdout) as { id: string; outputDir: string; status: { state: string } };
    assert.equal(record.status.state, "succeeded");
    const output = isAbsolute(record.outputDir) ? record.outputDir : join(bundle, record.outputDir);
    const rendezvous = JSON.parse(await readFile(join(output, "rendezvous", "node-0.json"), "utf8")) as Record<string, unknown>;
    assert.equal(rendezvous.num_machines, 1);
    assert.equal(rendezvous.num_processes, 1);
    assert.equal(rendezvous.machine_rank, 0);
    assert.match(String(rendezvous.script), /trl\/train_grpo\.py$/);

    const pulledDir = join(dir, "pulled");
    const pulled = await cli(home, ["pull", record.id, "--out", pulledDir, "--no-weights", "--json"], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal((JSON.parse(pulled.stdout) as { metricsRows: number }).metricsRows, 2);
    const rows = (await readFile(join(pulledDir, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(rows.map((r) => r.step), [1, 2]);
    for (const name of ["format_reward", "accuracy_reward", "au_reward"]) assert.equal(typeof rows[0][`rewards/${name}/mean`], "number", name);
    const files = await readdir(pulledDir, { recursive: true });
    const rewardsChart = files.find((f) => f.endsWith("rewards.svg"));
    assert.ok(rewardsChart, `charts among ${files.join(", ")}`);
    const svg = await readFile(join(pulledDir, rewardsChart), "utf8");
    for (const name of ["format_reward", "accuracy_reward", "au_reward"]) assert.match(svg, new RegExp(`>${name}<`), `the rewards chart draws ${name}`);
    assert.doesNotMatch(svg, /\/std</, "standard deviations are not drawn as rewards");
    const lengthChart = files.find((f) => f.endsWith("completion_length.svg"));
    assert.ok(lengthChart);
    assert.match(await readFile(join(pulledDir, lengthChart), "utf8"), /<polyline|<path/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
