import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { imagesOf, type Sample } from "../../src/schema/sample.js";
import { promptQuestion, vlmR1Prompt } from "../../src/trainer/bundle/prompt-text.js";
import { configFindings } from "../../src/trainer/preflight.js";
import { loadRunConfig } from "../../src/trainer/config-file.js";
import { TRL_VOCABULARY } from "../../src/trainer/targets/trl/vocabulary.js";
import { tempDir } from "../helpers/cli.js";
import { plan, quickstartForTrl, SAMPLE, trlConfig, writeConfig } from "./trl-helpers.js";

const jsonl = (text: string) => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test("trl: the quickstart plans a bundle whose GRPOConfig keys and flags are all GRPOConfig fields and whose data are the FEA records", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = join(dir, "bundle");
    await plan(await quickstartForTrl(dir), out);
    const yaml = parse(await readFile(join(out, "trl", "grpo_config.yaml"), "utf8")) as Record<string, unknown>;
    for (const key of Object.keys(yaml)) assert.ok(TRL_VOCABULARY.accepted.has(key), `YAML key ${key}`);
    assert.equal(yaml.use_vllm, true);
    assert.equal(yaml.vllm_mode, "colocate");
    assert.equal(yaml.multi_objective_aggregation, "sum_then_normalize");
    assert.equal(yaml.reward_weights, undefined, "the weights are in the reward functions, not in reward_weights");
    assert.equal(yaml.learning_rate, 2e-5);
    assert.equal(yaml.per_device_train_batch_size, 8);
    assert.equal(yaml.num_generations, 8);

    const script = await readFile(join(out, "grpo.sh"), "utf8");
    const entryFlags = new Set(["--model", "--train_file", "--image_folder", "--reward_plugin", "--min_pixels", "--max_pixels", "--config"]);
    const launchLine = script.slice(script.indexOf("accelerate launch"));
    const flags = [...launchLine.matchAll(/^\s+(--[a-z_]+)/gm)].map((m) => m[1]);
    assert.ok(flags.includes("--output_dir"));
    for (const flag of flags) assert.ok(entryFlags.has(flag) || TRL_VOCABULARY.accepted.has(flag.slice(2)), `flag ${flag}`);
    assert.match(launchLine, /--config_file="\$\{ACCELERATE_CONFIG_FILE\}" --deepspeed_config_file="\$\{BUNDLE_DIR\}"\/deepspeed\/zero3\.json/);
    assert.doesNotMatch(script, /vllm-serve/, "colocate mode starts no server");

    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as { scripts: { train: string }; checked_against: Record<string, { commit: string }> };
    assert.equal(manifest.scripts.train, "grpo.sh");
    assert.equal(manifest.checked_against.trl.commit, "f2cd57710ae345ea6428ae95363267fcf38a3dc8");

    const fea = jsonl(await readFile(join(SAMPLE, "train.jsonl"), "utf8")) as unknown as Sample[];
    const written = jsonl(await readFile(join(out, "data", "train.jsonl"), "utf8"));
    assert.equal(written.length, fea.length, "every record (empty AUs included: TRL takes them)");
    for (const [i, row] of written.entries()) {
      const record = fea[i];
      const prompt = row.prompt as { role: string; content: { type: string; text?: string }[] }[];
      assert.equal(prompt.length, 1);
      assert.equal(prompt[0].role, "user");
      const images = imagesOf(record);
      assert.deepEqual(prompt[0].content.slice(0, images.length), images.map(() => ({ type: "image" })), "one placeholder per image, before the text");
      assert.deepEqual(prompt[0].content.slice(images.length), [{ type: "text", text: vlmR1Prompt(promptQuestion(record)) }]);
      assert.deepEqual(row.images, images);
      assert.deepEqual(row.AUs, record.AUs);
      assert.deepEqual(row.labels, record.labels);
      assert.equal(row.id, record.id);
    }
  } finally {
    await cleanup();
  }
});

function findings(file: string) {
  return loadRunConfig(file).then((loaded) => configFindings(loaded));
}

test("trl preflight: TRL's batch arithmetic (server mode leaves the generation GPUs out of the world size), num_generations, unknown, owned and refused keys", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const cases: { name: string; config: Record<string, unknown>; field: string; message: RegExp; fix?: string }[] = [
      // 3 × 8 GPUs × 1 = 24 completions per generation batch: not whole groups of 16.
      { name: "batch", config: trlConfig({ training: { per_device_batch: 3, gradient_accumulation: 1, num_generations: 16 } }), field: "training.per_device_batch", message: /generation batch per_device_batch 3 × world size 8 × gradient_accumulation 1 = 24 is not divisible by num_generations 16/ },
      // Colocate: 2 × 8 × 1 = 16 is fine; server mode with 2 generation GPUs: 2 × 6 × 1 = 12 is not.
      { name: "server-batch", config: trlConfig({ trainer: { vllm: { mode: "server", gpus: 2 } }, training: { per_device_batch: 2, gradient_accumulation: 1, num_generations: 8 } }), field: "training.per_device_batch", message: /world size 6 .* = 12 is not divisible by num_generations 8/ },
      { name: "generations", config: trlConfig({ training: { num_generations: 1 } }), field: "training.num_generations", message: /at least 2 generations/ },
      { name: "typo", config: trlConfig({ training: { extra_args: { temprature: 0.7 } } }), field: "training.extra_args.temprature", message: /GRPOConfig \(trl 1\.13\.0\) has no flag --temprature.*did you mean --temperature\?/, fix: "temperature" },
      { name: "owned", config: trlConfig({ training: { extra_args: { learning_rate: 1e-6 } } }), field: "training.extra_args.learning_rate", message: /set from training\.learning_rate/ },
      { name: "aggregation", config: trlConfig({ training: { extra_args: { multi_objective_aggregation: "normalize_then_sum" } } }), field: "training.extra_args.multi_objective_aggregation", message: /normalize_then_sum would standardise each function per group and cancel them/ },
      { name: "gen-batch", config: trlConfig({ training: { extra_args: { generation_batch_size: 20 } } }), field: "training.extra_args.generation_batch_size", message: /generation_batch_size 20 must be divisible by the global batch/ },
      { name: "server-gpus", config: trlConfig({ trainer: { vllm: { mode: "server", gpus: 8 } } }), field: "trainer.vllm.gpus", message: /none would be left to train/ },
      { name: "tp", config: trlConfig({ trainer: { vllm: { mode: "server", gpus: 3, tensor_parallel_size: 2 } } }), field: "trainer.vllm.tensor_parallel_size", message: /not a multiple of tensor_parallel_size 2/ },
      { name: "lora", config: trlConfig({ hardware: { profile: "1xA100-80G-lora" }, training: { num_generations: 2 } }), field: "training.finetuning", message: /full fine-tuning only/ },
      { name: "clamp", config: trlConfig({ rewards: { clamp: [-10, 10] } }), field: "rewards.clamp", message: /cannot apply/ },
      { name: "sft", config: trlConfig({ stage: "sft" }), field: "stage", message: /trainer\.target trl runs stages grpo, grpo-task/ },
    ];
    for (const c of cases) {
      const found = await findings(await writeConfig(dir, c.name, c.config));
      const hit = found.find((p) => p.field === c.field && c.message.test(p.message));
      assert.ok(hit, `${c.name}: expected ${c.message} at ${c.field}; got ${JSON.stringify(found.map((p) => [p.field, p.message]))}`);
      assert.notEqual(hit.severity, "warning", c.name);
      if (c.fix) assert.equal(hit.fix, c.fix);
    }
    const fine = await findings(await writeConfig(dir, "fine", trlConfig({ trainer: { vllm: { mode: "server", gpus: 2 } }, training: { per_device_batch: 4, gradient_accumulation: 1, num_generations: 8, extra_args: { temperature: 0.9, top_p: 0.95 } } })));
    assert.deepEqual(fine.filter((p) => p.severity !== "warning"), [], "4 × 6 × 1 = 24 holds whole groups of 8");
    const twoNodes = await findings(await writeConfig(dir, "two-nodes", trlConfig({ hardware: { nodes: 2 }, trainer: { vllm: { mode: "server", gpus: 2 } }, training: { per_device_batch: 4, gradient_accumulation: 1 } })));
    assert.ok(twoNodes.some((p) => p.field === "trainer.vllm.gpus" && p.severity === "warning" && /stay idle on the other 1 node/.test(p.message)));
  } finally {
    await cleanup();
  }
});

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { env: { ...process.env, ...env } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

test("trl server mode: node 0 starts trl vllm-serve on the generation GPUs, waits for /health, trains on the others with fewer processes, and stops the server at exit", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = join(dir, "bundle");
    await plan(await writeConfig(dir, "server", trlConfig({ hardware: { nodes: 2 }, trainer: { vllm: { mode: "server", gpus: 2, tensor_parallel_size: 2, gpu_memory_utilization: 0.7 } }, training: { per_device_batch: 4, gradient_accumulation: 1 } })), out);
    // Programs the script calls, each recording what it got.
    const bin = join(dir, "bin");
    const log = join(dir, "calls.log");
    await mkdir(bin);
    const stub = async (name: string, body: string) => {
      await writeFile(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
      await chmod(join(bin, name), 0o755);
    };
    await stub("trl", `echo "trl $* CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES" >> ${log}\ntrap 'echo "server stopped" >> ${log}; exit 0' TERM\nwhile true; do sleep 0.1; done`);
    await stub("curl", `n=$(cat ${dir}/curl.n 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/curl.n; echo "curl $*" >> ${log}; [ "$n" -ge 1 ]`);
    await stub("sleep", `exec /bin/sleep 0.1`);
    await stub("accelerate", `echo "accelerate $* CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES" >> ${log}`);
    const env = { PATH: `${bin}:${process.env.PATH}`, OUTPUT_DIR: join(dir, "output"), MASTER_ADDR: "10.1.2.3" };
    const node0 = await bash(join(out, "grpo.sh"), { ...env, NODE_RANK: "0" });
    assert.equal(node0.code, 0, node0.stderr);
    const calls = (await readFile(log, "utf8")).trim().split("\n");
    assert.match(calls[0], /^trl vllm-serve --model Qwen\/Qwen2.5-VL-3B-Instruct --tensor_parallel_size 2 --data_parallel_size 1 --gpu_memory_utilization 0.7 --host 0.0.0.0 --port 8000 CUDA_VISIBLE_DEVICES=0,1$/);
    assert.ok(calls.some((c) => c.startsWith("curl") && c.includes("http://127.0.0.1:8000/health")));
    const accelerate = calls.find((c) => c.startsWith("accelerate"));
    assert.ok(accelerate);
    assert.match(accelerate, /--num_machines=2 --num_processes=12 --machine_rank=0 --main_process_ip=10.1.2.3/);
    assert.match(accelerate, /--vllm_server_host 10.1.2.3 --vllm_server_port 8000/);
    assert.match(accelerate, /CUDA_VISIBLE_DEVICES=2,3,4,5,6,7$/);
    assert.equal(calls.at(-1), "server stopped", "the server is stopped when the script exits");

    await writeFile(log, "");
    const node1 = await bash(join(out, "grpo.sh"), { ...env, NODE_RANK: "1" });
    assert.equal(node1.code, 0, node1.stderr);
    const other = (await readFile(log, "utf8")).trim().split("\n");
    assert.equal(other.length, 1, "other nodes start no server");
    assert.match(other[0], /--machine_rank=1 .*CUDA_VISIBLE_DEVICES=2,3,4,5,6,7$/);
  } finally {
    await cleanup();
  }
});
