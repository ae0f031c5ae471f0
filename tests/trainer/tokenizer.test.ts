import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadTokenCounter } from "../../src/trainer/tokenizer.js";
import { tempDir } from "../helpers/cli.js";

async function writeTokenizer(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const vocab = { "[UNK]": 0, the: 1, face: 2, smiles: 3 };
  await writeFile(
    join(dir, "tokenizer.json"),
    JSON.stringify({ version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: { type: "Whitespace" }, post_processor: null, decoder: null, model: { type: "WordLevel", vocab, unk_token: "[UNK]" } }),
  );
  await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "PreTrainedTokenizerFast" }));
}

test("token counts come from the model directory's tokenizer, offline; without one they are estimated", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeTokenizer(join(dir, "Qwen2.5-VL-7B"));
    const counter = await loadTokenCounter("Qwen2.5-VL-7B", dir);
    assert.equal(counter.source, "tokenizer");
    assert.equal(counter.count("the face smiles"), 3);
    assert.equal(counter.count("the face smiles , the face"), 6);
    const estimate = await loadTokenCounter("/nowhere/Qwen2.5-VL-7B", dir);
    assert.equal(estimate.source, "estimate");
    assert.equal(estimate.count("x".repeat(35)), 10);
  } finally {
    await cleanup();
  }
});

test("a hub id finds its tokenizer in the Hugging Face cache snapshot refs/main points at", async () => {
  const { dir, cleanup } = await tempDir();
  const before = process.env.HF_HUB_CACHE;
  try {
    const repo = join(dir, "hub", "models--Qwen--Qwen2.5-VL-3B-Instruct");
    await writeTokenizer(join(repo, "snapshots", "abc123"));
    await mkdir(join(repo, "refs"), { recursive: true });
    await writeFile(join(repo, "refs", "main"), "abc123");
    process.env.HF_HUB_CACHE = join(dir, "hub");
    const counter = await loadTokenCounter("Qwen/Qwen2.5-VL-3B-Instruct", dir);
    assert.equal(counter.source, "tokenizer");
    assert.match(counter.detail, /snapshots\/abc123/);
  } finally {
    if (before === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = before;
    await cleanup();
  }
});

test("a Hub id that is neither a local folder nor in the cache is named as a Hub id, with the cache folder looked in", async () => {
  const { dir, cleanup } = await tempDir();
  const before = process.env.HF_HUB_CACHE;
  try {
    process.env.HF_HUB_CACHE = join(dir, "hub");
    const counter = await loadTokenCounter("Qwen/Qwen2.5-VL-3B-Instruct", dir);
    assert.equal(counter.source, "estimate");
    assert.equal(
      counter.detail,
      `no local tokenizer for the Hub id Qwen/Qwen2.5-VL-3B-Instruct; looked in the HF cache ${join(dir, "hub", "models--Qwen--Qwen2.5-VL-3B-Instruct")} ` +
        "(facial-r1 hub pull-model Qwen/Qwen2.5-VL-3B-Instruct --allow 'tokenizer*' fetches it); token counts are estimated at 3.5 characters per token",
    );
    // Not mistaken for a folder next to the config.
    assert.ok(!counter.detail.includes(join(dir, "Qwen")));
  } finally {
    if (before === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = before;
    await cleanup();
  }
});
