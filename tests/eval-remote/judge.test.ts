import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, tempDir } from "../helpers/cli.js";
import { startOpenAiStandIn } from "../servers/openai-stand-in.js";
import { parseJsonl, recordId, sampleRecord } from "./fixtures.js";
import { createRemoteClient } from "../../src/eval/client.js";
import { describeJudgeSummary, runJudge } from "../../src/eval/judge.js";

const KEY = "fake-judge-key-0123456789abcdef";

/** Markers in the think text tell the stand-in judge what to answer. */
const MARKERS = ["judge:7", "judge:3", "judge:11", "judge:bad", "judge:long", "judge:10", "judge:batch-error"];

async function writeJudgeFixture(dir: string): Promise<{ dataset: string; predictions: string; cache: string }> {
  const records = MARKERS.map((_, i) => sampleRecord(i));
  records.push({ ...sampleRecord(50), description: "" });
  await mkdir(dir, { recursive: true });
  const dataset = join(dir, "test.jsonl");
  await writeFile(dataset, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const preds = MARKERS.map((marker, i) => ({ id: recordId(i), output: `<think>Brows raised (AU1), ${marker}.</think><answer>sadness</answer>` }));
  preds.push({ id: recordId(50), output: "<think>AU12 judge:8</think><answer>happiness</answer>" });
  preds.push({ id: "not-in-dataset", output: "<think>AU4 judge:9</think><answer>anger</answer>" });
  const predictions = join(dir, "pred.jsonl");
  await writeFile(predictions, preds.map((p) => JSON.stringify(p)).join("\n") + "\n{broken\n");
  return { dataset, predictions, cache: join(dir, "cache") };
}

/** Every prediction is counted once by outcome and once by where its answer came from. */
function assertAddsUp(counts: Record<string, number>): void {
  assert.equal(counts.predictions, counts.scored + counts.failed + counts.not_judged, "by outcome");
  assert.equal(counts.predictions, counts.cached + counts.judged + counts.unjudgeable + counts.not_judged, "by source");
}

function judgeArgs(fx: { dataset: string; predictions: string; cache: string }, url: string, out: string, extra: string[] = []): string[] {
  return ["eval", "judge", "--dataset", fx.dataset, "--predictions", fx.predictions, "--endpoint", url, "--out", out, "--cache", fx.cache, "--json", ...extra];
}

describe("eval judge against the OpenAI stand-in", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it("scores through structured output, records failures apart from the mean, and never pays twice", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY });
    server.keepBodies = true;
    try {
      const fx = await writeJudgeFixture(join(dir, "online"));
      const out = join(dir, "online", "judge.jsonl");
      const r = await runCli(judgeArgs(fx, server.url, out), { env: { OPENAI_API_KEY: KEY } });
      assert.equal(r.code, 1, "failed judgements make the run exit 1");
      assert.match(r.stderr, /pred\.jsonl:10: invalid JSON/);
      const summary = JSON.parse(r.stdout);
      const rows = new Map(parseJsonl(await readFile(out, "utf8")).map((row) => [String(row.id), row]));
      assert.equal(rows.size, 9);
      assert.equal(rows.get(recordId(0))!.score, 7);
      assert.equal(rows.get(recordId(1))!.score, 3);
      assert.equal(rows.get(recordId(5))!.score, 10);
      assert.equal(typeof rows.get(recordId(6))!.score, "number", "no marker: the stand-in's default score");
      assert.match(String(rows.get(recordId(2))!.error), /score 11 out of range 1\.\.10/);
      assert.match(String(rows.get(recordId(3))!.error), /not JSON/);
      assert.match(String(rows.get(recordId(4))!.error), /cut off/);
      assert.match(String(rows.get(recordId(50))!.error), /no reference description/);
      assert.match(String(rows.get("not-in-dataset")!.error), /no record with this id/);
      for (const id of [recordId(2), recordId(3), recordId(50)]) assert.equal(rows.get(id)!.score, null);

      const scores = [...rows.values()].filter((row) => typeof row.score === "number").map((row) => row.score as number);
      assert.equal(scores.length, 4);
      const { judge, usage } = summary;
      assert.equal(judge.n, 4);
      assert.equal(judge.failed, 5);
      assert.equal(judge.mean, Math.round((scores.reduce((a, b) => a + b, 0) / 4) * 1e4) / 1e4);
      assert.equal(judge.counts.invalid_lines, 1);
      assert.equal(judge.counts.missing_reference, 2);
      assert.deepEqual([judge.counts.cached, judge.counts.judged, judge.counts.unjudgeable], [0, 7, 2]);
      assertAddsUp(judge.counts);
      // 4 good answers once each; 3 unusable answers tried 3 times each.
      assert.equal(server.stats.chatRequests, 4 + 3 * 3);
      assert.equal(judge.counts.requested, 13);
      assert.ok(usage.prompt_tokens > 0 && usage.cost_usd > 0);
      assert.equal(usage.batch, false);

      const body = server.stats.bodies[0] as { temperature: number; max_tokens: number; response_format: { type: string; json_schema: { schema: unknown } } };
      assert.equal(body.temperature, 0);
      assert.equal(body.max_tokens, 128);
      assert.equal(body.response_format.type, "json_schema");

      process.env.JUDGE_TEST_KEY = KEY;
      const client = await createRemoteClient({ endpoint: server.url, apiKeyEnv: "JUDGE_TEST_KEY" });
      const second = (await runJudge({ dataset: fx.dataset, predictions: fx.predictions, out, client, cacheDir: fx.cache })).judge;
      assert.equal(second.counts.cached, 4);
      assert.equal(second.counts.judged, 3);
      assertAddsUp(second.counts as unknown as Record<string, number>);
      assert.equal(second.mean, judge.mean);
      // Only the unusable ones are asked again; cached pairs are never paid for twice.
      assert.equal(server.stats.chatRequests, 13 + 3 * 3);
    } finally {
      await server.close();
    }
  });

  it("--batch submits once, resumes polling from the state file, and bills half", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY, batchPolls: 2 });
    try {
      const fx = await writeJudgeFixture(join(dir, "batch"));
      const out = join(dir, "batch", "judge.jsonl");
      const env = { OPENAI_API_KEY: KEY };
      const first = await runCli(judgeArgs(fx, server.url, out, ["--batch", "--no-wait"]), { env });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(JSON.parse(first.stdout).batch.pending, true);
      const state = JSON.parse(await readFile(`${out}.batch.json`, "utf8"));
      assert.match(state.batch_id, /^batch_/);
      assert.equal(server.stats.batchesCreated, 1);
      assert.equal(server.stats.filesUploaded, 1);

      const second = await runCli(judgeArgs(fx, server.url, out, ["--batch", "--poll-interval", "0.05"]), { env });
      const summary = JSON.parse(second.stdout);
      assert.equal(server.stats.batchesCreated, 1, "the rerun polled the same batch");
      assert.equal(summary.batch.id, state.batch_id);
      assert.equal(summary.batch.submitted, false);
      assert.equal(server.stats.chatRequests, 0, "no online requests in batch mode");
      const rows = new Map(parseJsonl(await readFile(out, "utf8")).map((row) => [String(row.id), row]));
      assert.equal(rows.get(recordId(0))!.score, 7);
      assert.match(String(rows.get(recordId(2))!.error), /out of range/);
      assert.match(String(rows.get(recordId(3))!.error), /not JSON/);
      assert.match(String(rows.get(recordId(6))!.error), /request failed in batch/);
      assert.equal(summary.judge.n, 3);
      assert.equal(summary.usage.batch, true);
      assert.equal(summary.usage.prices_per_million.input, 0.075);
      await assert.rejects(stat(`${out}.batch.json`), "state is cleared once results are stored");

      // Online afterwards: batch results are in the cache.
      process.env.JUDGE_TEST_KEY = KEY;
      const client = await createRemoteClient({ endpoint: server.url, apiKeyEnv: "JUDGE_TEST_KEY" });
      const online = await runJudge({ dataset: fx.dataset, predictions: fx.predictions, out: join(dir, "batch", "online.jsonl"), client, cacheDir: fx.cache });
      assert.equal(online.judge.counts.cached, 3);
    } finally {
      await server.close();
    }
  });

  it("--batch --no-cache counts the batch's answers as judged now, none from the cache, and the counts add up", async () => {
    const server = await startOpenAiStandIn({});
    try {
      const fx = await writeJudgeFixture(join(dir, "batch-no-cache"));
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runJudge({ dataset: fx.dataset, predictions: fx.predictions, out: join(dir, "batch-no-cache", "judge.jsonl"), client, batch: true, pollIntervalMs: 10 });
      const counts = summary.judge.counts;
      assert.equal(counts.cached, 0);
      assert.equal(counts.judged, MARKERS.length);
      assert.equal(counts.requested, MARKERS.length);
      assertAddsUp(counts as unknown as Record<string, number>);
      const lines = describeJudgeSummary(summary);
      assert.ok(lines.some((l) => l.includes(`0 from the cache + ${MARKERS.length} judged now (${MARKERS.length} requests sent) + 2 without a reference or reasoning`)), lines.join("\n"));
    } finally {
      await server.close();
    }
  });

  it("records every judgement of a failed batch as failed, with the batch's reason, and forgets the batch", async () => {
    const server = await startOpenAiStandIn({ batchFailure: "the input file is invalid" });
    try {
      const fx = await writeJudgeFixture(join(dir, "batch-failed"));
      const out = join(dir, "batch-failed", "judge.jsonl");
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runJudge({ dataset: fx.dataset, predictions: fx.predictions, out, client, batch: true, pollIntervalMs: 10, cacheDir: fx.cache });
      assert.equal(summary.judge.n, 0);
      assert.equal(summary.judge.mean, null);
      assert.equal(summary.judge.failed, 9);
      const rows = parseJsonl(await readFile(out, "utf8"));
      const judged = rows.filter((row) => MARKERS.some((_, i) => row.id === recordId(i)));
      assert.equal(judged.length, 7);
      for (const row of judged) assert.match(String(row.error), /batch batch_\d+ failed: the input file is invalid/);
      await assert.rejects(stat(`${out}.batch.json`));
    } finally {
      await server.close();
    }
  });

  it("stops at once on a wrong key and never prints it", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY });
    try {
      const fx = await writeJudgeFixture(join(dir, "auth"));
      const wrong = "fake-wrong-key-0123456789abcdef";
      const r = await runCli(judgeArgs(fx, server.url, join(dir, "auth", "judge.jsonl"), ["--no-cache"]), { env: { OPENAI_API_KEY: wrong } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /rejected the API key in \$OPENAI_API_KEY \(HTTP 401\)/);
      assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong));
      assert.ok(server.stats.unauthorized >= 1 && server.stats.unauthorized <= 8, `stopped early (${server.stats.unauthorized} requests)`);
    } finally {
      await server.close();
    }
  });

  it("requires a key for the hosted API", async () => {
    const { dir: d, cleanup: c } = await tempDir();
    try {
      const fx = await writeJudgeFixture(d);
      const r = await runCli(["eval", "judge", "--dataset", fx.dataset, "--predictions", fx.predictions], { env: { OPENAI_API_KEY: "" } });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no API key: set the environment variable OPENAI_API_KEY/);
    } finally {
      await c();
    }
  });
});
