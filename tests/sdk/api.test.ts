import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  AbortedError,
  defineReward,
  FacialR1Error,
  InvalidInputError,
  planRun,
  RemoteError,
  scoreRewards,
  serveRewards,
  shardDataset,
  TrainerContractError,
  validateDataset,
  validateRunConfig,
  type ProgressEvent,
} from "../../src/index.js";
import { ROOT, tempDir } from "../helpers/cli.js";

const SAMPLE = join(ROOT, "samples", "fea-sample");

test("every option object is checked up front: a wrong option is an InvalidInputError naming the function and the option", async () => {
  await assert.rejects(
    () => shardDataset({ files: [join(SAMPLE, "train.jsonl")], out: "/tmp/x", shards: 0 }),
    (err: unknown) => err instanceof InvalidInputError && err.code === "invalid_input" && /^shardDataset\(\): option shards: /.test(err.message),
  );
  await assert.rejects(
    // @ts-expect-error: an option that does not exist
    () => validateDataset({ files: [join(SAMPLE, "train.jsonl")], imagesDir: SAMPLE }),
    (err: unknown) => err instanceof InvalidInputError && /validateDataset\(\).*imagesDir/.test(err.message),
  );
  await assert.rejects(() => shardDataset({ files: [join(SAMPLE, "train.jsonl")], out: "/tmp/x" }), /give exactly one of shardSize or shards/);
  // One base class with a stable code; subclasses where callers branch.
  for (const err of [new InvalidInputError("x"), new RemoteError("auth", "x"), new TrainerContractError("x"), new AbortedError()]) assert.ok(err instanceof FacialR1Error);
  assert.deepEqual([new RemoteError("timeout", "x").code, new TrainerContractError("x").code, new AbortedError().code], ["remote", "trainer_contract", "aborted"]);
});

test("long calls report progress to onProgress, never to stdout or stderr, and stop on the caller's signal", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const big = join(dir, "big.jsonl");
    const line = (await readFile(join(SAMPLE, "train.jsonl"), "utf8")).split("\n")[0];
    const record = JSON.parse(line) as Record<string, unknown>;
    await writeFile(big, Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ ...record, id: `r-${i}` })).join("\n") + "\n");
    const writes: string[] = [];
    const original = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    const events: ProgressEvent[] = [];
    let report;
    try {
      report = await validateDataset({ files: [big], onProgress: (e) => events.push(e) });
    } finally {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    }
    assert.deepEqual(writes, [], "the library writes nothing itself");
    assert.equal(report.total.valid, 30_000);
    // Events come at most every 2 s; a fast machine may finish before the first one.
    for (const e of events) assert.ok(e.done > 0 && e.unit.length > 0 && e.label.includes("big.jsonl"));

    // Aborted mid-run: the next record read stops it.
    const controller = new AbortController();
    const running = validateDataset({ files: [big], signal: controller.signal });
    setTimeout(() => controller.abort("stop"), 5);
    await assert.rejects(running, (err: unknown) => err instanceof AbortedError && err.message === "aborted: stop");
    const already = new AbortController();
    already.abort();
    await assert.rejects(() => validateDataset({ files: [big], signal: already.signal }), AbortedError);
  } finally {
    await cleanup();
  }
});

test("validateRunConfig and planRun from code: findings as data, the bundle only when preflight passes", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const checked = await validateRunConfig({ file: join(ROOT, "configs", "quickstart.yaml") });
    assert.equal(checked.ok, true);
    assert.equal(checked.config?.trainer.target, "facial-r1");
    const problems: string[] = [];
    const planned = await planRun({ config: join(ROOT, "configs", "quickstart.yaml"), out: join(dir, "bundle"), onProblem: (p) => problems.push(p.message) });
    assert.equal(planned.written, true);
    assert.ok(problems.some((m) => /left out/.test(m)), "the dropped records are reported");
    assert.equal(planned.manifest?.checked_against?.trainer.repo, "RobitsG/Facial-R1");
  } finally {
    await cleanup();
  }
});

test("defineReward checks the definition; serveRewards serves it batched, beside the built-in rewards", async () => {
  assert.throws(() => defineReward({ name: "Brevity", range: [0, 1], score: () => 0 }), /lower-case letters/);
  assert.throws(() => defineReward({ name: "format", range: [0, 1], score: () => 0 }), /built-in rewards' names/);
  assert.throws(() => defineReward({ name: "b", range: [1, 0], score: () => 0 }), /lowest value must be below/);
  const brevity = defineReward({
    name: "brevity",
    range: [0, 1],
    description: "1 for a think block of at most 20 words, falling to 0 at 100",
    score: ({ completion }) => {
      const words = (/<think>([\s\S]*?)<\/think>/.exec(completion)?.[1] ?? completion).split(/\s+/).filter(Boolean).length;
      return Math.min(1, Math.max(0, (100 - words) / 80));
    },
  });
  const broken = defineReward({ name: "broken", range: [0, 1], score: async ({ labels }) => (labels?.length ?? 0) * 2 });
  const server = await serveRewards({ rewards: [brevity, broken], port: 0 });
  try {
    const listing = (await (await fetch(`${server.url}/v1/rewards`)).json()) as { rewards: { name: string; range: number[] }[] };
    assert.deepEqual(listing.rewards.map((r) => [r.name, r.range]), [["brevity", [0, 1]], ["broken", [0, 1]]]);
    const items = [{ completion: "<think>AU4</think><answer>anger</answer>" }, { completion: `<think>${"word ".repeat(60)}</think>` }];
    const answer = (await (await fetch(`${server.url}/v1/rewards/brevity`, { method: "POST", body: JSON.stringify(items) })).json()) as { rewards: number[]; scores: number[] };
    assert.deepEqual(answer.rewards, [1, 0.5]);
    assert.deepEqual(answer.scores, [1, 0.5]);
    const bad = await fetch(`${server.url}/v1/rewards/broken`, { method: "POST", body: JSON.stringify([{ completion: "x", labels: ["anger"] }]) });
    assert.equal(bad.status, 500);
    assert.match(((await bad.json()) as { error: string }).error, /broken returned 2 for item 0, outside its range \[0, 1\]/);
    // The built-in rewards keep working on the same server.
    const builtIn = (await (await fetch(`${server.url}/v1/score`, { method: "POST", body: JSON.stringify([{ completion: items[0].completion, AUs: ["AU4"], labels: ["anger"] }]) })).json()) as { total: number }[];
    assert.deepEqual(builtIn.map((s) => s.total), (await scoreRewards({ items: [{ completion: items[0].completion, AUs: ["AU4"], labels: ["anger"] }] })).map((s) => s.total));
  } finally {
    await server.close();
  }
});
