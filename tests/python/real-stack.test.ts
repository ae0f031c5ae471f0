import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { buildPrompt, orderLabelSet } from "../../src/eval/prompt.js";
import { planDatasetPush } from "../../src/hub/push-dataset.js";
import { REWARD_PRESETS } from "../../src/rewards/spec.js";
import { scoreCompletion } from "../../src/rewards/score.js";
import { imageTokens } from "../../src/trainer/image-tokens.js";
import { loadTokenCounter } from "../../src/trainer/tokenizer.js";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";

const HERE = import.meta.dirname;
const SAMPLE = join(ROOT, "samples", "fea-sample");

/**
 * Runs a script with the test environment's python (tests/python on its path), offline, with a
 * datasets cache of its own under `scratch` (datasets caches local folders by name, and a cached
 * image-folder table points at the images of an earlier run); resolves with stdout.
 */
function python(bin: string, args: string[], scratch: string, input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONPATH: HERE, HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false", HF_DATASETS_CACHE: join(scratch, "hf-datasets") };
    const child = spawn(bin, args, { cwd: HERE, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited ${code}: ${err.slice(-3000)}`))));
    child.stdin.end(input);
  });
}

interface Call {
  run: "text" | "vision";
  name: string;
  completions: unknown[];
  AUs: string[][];
  labels: string[][];
  rewards: number[];
}

test("real TRL GRPOTrainer (a Qwen2 text model, a Qwen2.5-VL on the sample's images) calls the TRL plugin; every reward equals the TypeScript scorer", async (t) => {
  const bin = testPython(t);
  if (!bin) return;
  const { dir, cleanup } = await tempDir();
  try {
    await python(bin, [join(HERE, "trl_grpo.py"), join(ROOT, "plugins", "trl"), SAMPLE, dir], dir);
    const { calls, logs } = JSON.parse(await readFile(join(dir, "calls.json"), "utf8")) as { calls: Call[]; logs: Record<string, Record<string, number>[]> };
    const names = ["format_reward", "accuracy_reward", "au_reward"];
    for (const run of ["text", "vision"] as const) {
      const mine = calls.filter((c) => c.run === run);
      assert.ok(mine.length >= 3, `${run}: every reward function was called`);
      assert.deepEqual([...new Set(mine.map((c) => c.name))].sort(), [...names].sort());
    }
    const component = { format_reward: "format", accuracy_reward: "accuracy", au_reward: "au" } as const;
    let compared = 0;
    for (const call of calls) {
      call.completions.forEach((completion, i) => {
        const want = scoreCompletion(completion, { AUs: call.AUs[i], labels: call.labels[i] }, REWARD_PRESETS["facial-r1"]);
        assert.equal(call.rewards[i], want[component[call.name as keyof typeof component]], `${call.run} ${call.name} #${i}`);
        compared++;
      });
    }
    assert.ok(compared >= 36);
    // What TRL logged is the mean of what the functions returned.
    const first = calls.filter((c) => c.run === "text" && c.name === "format_reward")[0];
    assert.equal(logs.text[0]["rewards/format_reward/mean"], first.rewards.reduce((a, b) => a + b, 0) / first.rewards.length);
    assert.ok(calls.some((c) => c.rewards.some((r) => r > 0)), "the taught model earns some reward");
  } finally {
    await cleanup();
  }
});

test("real datasets loads every layout we write: shards, converter output, and both Hub push layouts through their cards", async (t) => {
  const bin = testPython(t);
  if (!bin) return;
  const { dir, cleanup } = await tempDir();
  try {
    const shards = join(dir, "shards");
    assert.equal((await runCli(["data", "shard", join(SAMPLE, "train.jsonl"), "--out", shards, "--shards", "3"])).code, 0);
    const csv = join(dir, "fer2013.csv");
    const px = (seed: number) => Array.from({ length: 2304 }, (_, i) => (i + seed) % 256).join(" ");
    await writeFile(csv, ["emotion,pixels,Usage", `0,${px(1)},Training`, `3,${px(2)},PublicTest`, `6,${px(3)},PrivateTest`].join("\n"));
    const converted = join(dir, "fer.jsonl");
    assert.equal((await runCli(["data", "convert", "--from", "fer2013", "--input", csv, "--images-out", join(dir, "fer-images"), "--out", converted])).code, 0);

    // The Hub repository layouts, as push-dataset would upload them.
    const repos: Record<string, string> = {};
    for (const layout of ["jsonl", "imagefolder"] as const) {
      const plan = await planDatasetPush({ repo: "me/fea-sample", files: [join(SAMPLE, "train.jsonl"), join(SAMPLE, "test.jsonl")], imagesDir: join(SAMPLE, "images"), layout, progress: false });
      repos[layout] = join(dir, `repo-${layout}`);
      for (const file of plan.files) {
        await mkdir(dirname(join(repos[layout], file.path)), { recursive: true });
        await writeFile(join(repos[layout], file.path), file.content ?? (await readFile(file.localPath!)));
      }
    }

    const script = String.raw`
import json, sys
from datasets import load_dataset
shards, converted, jsonl_repo, image_repo = sys.argv[1:5]
out = {}
out["shards"] = load_dataset("json", data_files=sorted(__import__("glob").glob(shards + "/shard-*.jsonl")), split="train").num_rows
out["converted"] = sorted(load_dataset("json", data_files=converted, split="train").column_names)
for name, repo in (("hub", jsonl_repo), ("imagefolder", image_repo)):
    loaded = load_dataset(repo)
    out[name] = {split: {"rows": d.num_rows, "columns": sorted(d.column_names), "first": d[0]["id"], "features": {k: type(v).__name__ for k, v in d.features.items()}} for split, d in loaded.items()}
    if name == "imagefolder":
        out["image_size"] = list(loaded["train"][0]["image"].size)
print(json.dumps(out))
`;
    const out = JSON.parse(await python(bin, ["-c", script, shards, converted, repos.jsonl, repos.imagefolder], dir)) as Record<string, unknown>;
    assert.equal(out.shards, 36);
    for (const column of ["id", "dataset", "image", "question", "AUs", "labels", "meta_info"]) assert.ok((out.converted as string[]).includes(column), column);
    const hub = out.hub as Record<string, { rows: number; columns: string[]; first: string; features: Record<string, string> }>;
    assert.deepEqual(Object.keys(hub).sort(), ["test", "train"]);
    assert.equal(hub.train.rows, 36);
    assert.equal(hub.test.rows, 12);
    const firstId = (JSON.parse((await readFile(join(SAMPLE, "train.jsonl"), "utf8")).split("\n")[0]) as { id: string }).id;
    assert.equal(hub.train.first, firstId);
    // The image-folder layout: the viewer's (and datasets') images, decoded, with the same records.
    const images = out.imagefolder as typeof hub;
    assert.deepEqual([images.train.rows, images.test.rows], [36, 12]);
    assert.equal(images.train.first, firstId);
    assert.equal(images.train.features.image, "Image");
    for (const column of ["AUs", "labels", "question"]) assert.ok(images.train.columns.includes(column), column);
    assert.deepEqual(out.image_size, [64, 64]);
  } finally {
    await cleanup();
  }
});

test("preflight's token counts (transformers.js) equal Python transformers' on the same tokenizer files", async (t) => {
  const bin = testPython(t);
  if (!bin) return;
  const { dir, cleanup } = await tempDir();
  try {
    const records = (await readFile(join(SAMPLE, "train.jsonl"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { question: string; labels: string[]; description: string });
    const texts = [
      ...records.map((r) => buildPrompt({ question: r.question, labels: orderLabelSet(r.labels), variant: "grpo" })),
      ...records.map((r) => r.description),
      "Ünïcödé façade — 表情は幸せ 😀 <think>AU4</think>\n\n<answer>anger</answer>  \t",
      "",
    ];
    const python_ = JSON.parse(await python(bin, [join(HERE, "count_tokens.py"), dir], dir, JSON.stringify(texts))) as number[];
    const counter = await loadTokenCounter(dir, dir);
    assert.equal(counter.source, "tokenizer", counter.detail);
    assert.deepEqual(texts.map((text) => counter.count(text)), python_);
  } finally {
    await cleanup();
  }
});

test("preflight's image-token count equals the real Qwen2-VL image processor's grid", async (t) => {
  const bin = testPython(t);
  if (!bin) return;
  const sizes = [[84, 56], [64, 64], [28, 28], [48, 48], [640, 480], [1000, 30], [4000, 3000]];
  for (const [min, max] of [[3136, 12845056], [3136, 200704]]) {
    const real = JSON.parse(await python(bin, [join(HERE, "image_grid.py"), String(min), String(max)], tmpdir(), JSON.stringify(sizes))) as number[];
    // imageTokens counts the <|vision_start|> and <|vision_end|> around the image's tokens.
    assert.deepEqual(sizes.map(([width, height]) => imageTokens({ width, height, minPixels: min, maxPixels: max }) - 2), real, `min ${min} max ${max}`);
  }
});
