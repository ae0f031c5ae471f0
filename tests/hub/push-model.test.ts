import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { download, frontMatter, hubEnv, sha256, startStandIn, writeCheckpoint } from "./fixtures.js";
import { resolveBaseModel } from "../../src/runs/base-model.js";

interface ModelIndex {
  name: string;
  results: { task: { type: string }; dataset: { name: string }; metrics: { type: string; name: string; value: number }[] }[];
}

describe("hub push-model", () => {
  let server: HubStandIn;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let ckpt: Awaited<ReturnType<typeof writeCheckpoint>>;
  let evalFiles: string[];

  before(async () => {
    tmp = await tempDir("facial-r1-hub-model-");
    ckpt = await writeCheckpoint(join(tmp.dir, "checkpoint-100"));
    // The shape `facial-r1 eval score --json` prints (src/eval/score.ts ScoreReport), numbers trimmed to what a card uses.
    const rafdb = {
      protocol: "facial-r1",
      benchmark: "rafdb",
      emotion: { accuracy: 0.8734, correct: 2684, total: 3068, classes: [], per_class: {}, confusion: {} },
      au: null,
      rouge: { rouge1: 0.41, rouge2: 0.17, rougeL: 0.3561, scored: 3068 },
      judge: { mean: 6.125, scored: 3068, failed: 0, missing: 0, unknown_ids: 0, duplicate_ids: 0, rejected_lines: 0, histogram: {} },
      counts: { records: 3068 },
    };
    const disfa = { protocol: "standard", benchmark: "disfa", emotion: null, au: { macro_f1: 0.6912, micro_f1: 0.7, aus: ["AU1"], per_au: {} }, rouge: null, counts: { records: 500 } };
    evalFiles = [join(tmp.dir, "rafdb.json"), join(tmp.dir, "disfa.json")];
    await writeFile(evalFiles[0], JSON.stringify(rafdb, null, 2));
    await writeFile(evalFiles[1], JSON.stringify(disfa, null, 2));
    server = await startStandIn({ lfsThreshold: 100_000 });
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("pushes the checkpoint without optimizer states, with a model-index equal to the eval results", async () => {
    const result = await runCli(["hub", "push-model", ckpt.dir, "--repo", "lab/facial-r1-mini", "--eval", evalFiles[0], "--eval", evalFiles[1], "--license", "apache-2.0", "--json"], {
      env: hubEnv(server, tmp.dir),
    });
    assert.equal(result.code, 0, result.stderr);
    const stored = server.files("model", "lab/facial-r1-mini")!;
    assert.deepEqual([...stored.keys()].sort(), ["README.md", ...ckpt.kept].sort());
    for (const path of ckpt.kept) {
      const pushed = await download(server, "", "lab/facial-r1-mini", path);
      assert.equal(sha256(pushed), sha256(await readFile(join(ckpt.dir, path))), path);
    }
    // The two weight shards are over the stand-in's LFS threshold; the JSON files are not.
    assert.ok(stored.get("model-00001-of-00002.safetensors")!.lfsOid);
    assert.ok(!stored.get("config.json")!.lfsOid);
    assert.match(result.stderr, /skipped 5 files/);

    const card = (await download(server, "", "lab/facial-r1-mini", "README.md")).toString();
    const meta = await frontMatter(card);
    // No run manifest above the folder and no --base-model: unknown, not a guess.
    assert.equal(meta.base_model, undefined);
    assert.match(result.stderr, /^warning: base model unknown: no run manifest .*; the card leaves base_model out \(give --base-model ID\)$/m);
    assert.match(card, /fine-tuned from a base model this card does not record/);
    assert.equal(meta.library_name, "transformers");
    assert.equal(meta.pipeline_tag, "image-text-to-text");
    assert.equal(meta.license, "apache-2.0");
    assert.ok((meta.tags as string[]).includes("facial-r1"));
    const index = (meta["model-index"] as ModelIndex[])[0];
    assert.equal(index.name, "facial-r1-mini");
    const byDataset = Object.fromEntries(index.results.map((r) => [r.dataset.name, Object.fromEntries(r.metrics.map((m) => [m.name, m.value]))]));
    const rafdb = JSON.parse(await readFile(evalFiles[0], "utf8"));
    const disfa = JSON.parse(await readFile(evalFiles[1], "utf8"));
    assert.deepEqual(byDataset, {
      rafdb: { "Emotion accuracy": rafdb.emotion.accuracy, "ROUGE-L": rafdb.rouge.rougeL, "Judge mean (1-10)": rafdb.judge.mean },
      disfa: { "AU macro F1": disfa.au.macro_f1 },
    });
    // Beside the paper's numbers: RAF-DB accuracy 92.1, DISFA AU F1 73.1.
    assert.match(card, /\| rafdb \| Emotion accuracy \(%\) \| 87\.3 \| 92\.1 \|/);
    assert.match(card, /\| disfa \| AU macro F1 \(%\) \| 69\.1 \| 73\.1 \|/);
    assert.match(card, /\| rafdb \| ROUGE-L \(%\) \| 35\.6 \| – \|/);
  });

  it("--include-optimizer pushes the optimizer states too (dry run)", async () => {
    const before = server.requests.length;
    const result = await runCli(["hub", "push-model", ckpt.dir, "--repo", "lab/m2", "--include-optimizer", "--dry-run", "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.requests.length, before);
    const plan = JSON.parse(result.stdout) as { files: { path: string }[] };
    assert.deepEqual(plan.files.map((f) => f.path).sort(), ["README.md", ...ckpt.kept, ...ckpt.skipped].sort());
  });

  it("takes the base model from the manifest of the run that wrote the checkpoint, or --base-model", async () => {
    const bundle = join(tmp.dir, "bundle-3b");
    const manifest = (modelPath: string) => JSON.stringify({ format: "facial-r1-run-bundle/1", name: "r", config: { model: { path: modelPath } } });
    const inside = await writeCheckpoint(join(bundle, "outputs", "r", "checkpoint-5"));
    await writeFile(join(bundle, "manifest.json"), manifest("/models/Qwen2.5-VL-3B-Instruct"));
    const result = await runCli(["hub", "push-model", inside.dir, "--repo", "lab/m4", "--dry-run", "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await frontMatter((JSON.parse(result.stdout) as { card: string }).card)).base_model, "Qwen/Qwen2.5-VL-3B-Instruct");
    assert.match(result.stderr, /base model Qwen\/Qwen2\.5-VL-3B-Instruct, from the run's model\.path \/models\/Qwen2\.5-VL-3B-Instruct/);

    // The other shapes of model.path, and --base-model, in process (the CLI passes the same on).
    await writeFile(join(bundle, "manifest.json"), manifest("Qwen/Qwen2-VL-2B-Instruct"));
    assert.equal((await resolveBaseModel(inside.dir)).id, "Qwen/Qwen2-VL-2B-Instruct");
    await writeFile(join(bundle, "manifest.json"), manifest("/cache/hub/models--org--tuned-3b/snapshots/abc123"));
    assert.equal((await resolveBaseModel(inside.dir)).id, "org/tuned-3b");
    await writeFile(join(bundle, "manifest.json"), manifest("/data/my-merged-model"));
    const unknown = await resolveBaseModel(inside.dir);
    assert.equal(unknown.id, undefined);
    assert.match(unknown.note, /^warning: base model unknown: the run's model\.path \/data\/my-merged-model .* is a local folder, not a Hub id/);
    assert.equal((await resolveBaseModel(inside.dir, "org/base")).id, "org/base");
  });

  it("refuses an eval file that is not an eval score result", async () => {
    const bogus = join(tmp.dir, "bogus.json");
    await writeFile(bogus, JSON.stringify({ hello: 1 }));
    const result = await runCli(["hub", "push-model", ckpt.dir, "--repo", "lab/m3", "--eval", bogus, "--dry-run"], { env: hubEnv(server, tmp.dir) });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bogus\.json: no emotion\.accuracy, au\.macro_f1, rouge\.rougeL or judge\.mean/);
  });
});
