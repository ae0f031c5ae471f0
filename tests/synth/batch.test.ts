import { copyFile, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli, tempDir } from "../helpers/cli.js";
import { startOpenAiStandIn, type StandIn, type SynthMistake } from "../servers/openai-stand-in.js";
import { parseJsonl, synthArgs, synthId, synthMeta, synthRecord, writeSynthFixture } from "./fixtures.js";
import { batchLineOf } from "../../src/eval/batch.js";
import { createRemoteClient } from "../../src/eval/client.js";
import { orderLabelSet } from "../../src/eval/prompt.js";
import { SampleSchema } from "../../src/schema/sample.js";
import { attemptRequest, newAttemptState } from "../../src/synth/generate.js";
import { synthRequestContent } from "../../src/synth/request-content.js";
import { runBatchSynthesis, synthBatchStateFileOf } from "../../src/synth/batch-run.js";
import { runSynthesis } from "../../src/synth/run.js";
import type { SynthRound, SynthSummary } from "../../src/synth/summary.js";

const POLL = ["--batch", "--poll-interval", "0.02"];

/** syn-00001: 1 correction; syn-00002: 2 corrections; syn-00003: never passes; the rest pass at once. */
const MISTAKES: Record<string, SynthMistake> = {
  [synthId(1)]: { kinds: ["au"], attempts: 1 },
  [synthId(2)]: { kinds: ["label", "empty-think"], attempts: 2 },
  [synthId(3)]: { kinds: ["no-answer"], attempts: 99 },
};
const mistakes = (item: string) => MISTAKES[item];

function byId(text: string): Map<string, Record<string, unknown>> {
  return new Map(parseJsonl(text).map((r) => [String(r.id), r]));
}

function addsUp(s: SynthSummary): void {
  assert.equal(s.read, s.written.total + s.failed + s.rejected + s.skipped + s.over_limit + s.not_attempted + (s.in_batch ?? 0));
  const corrected = Object.values(s.written.valid_after_corrections).reduce((a, b) => a + b, 0);
  assert.equal(s.written.total, s.written.valid_first_try + corrected + s.written.invalid);
}

async function withStandIn<T>(options: Parameters<typeof startOpenAiStandIn>[0], fn: (server: StandIn) => Promise<T>): Promise<T> {
  const server = await startOpenAiStandIn(options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

describe("facial-r1 synth --batch against the OpenAI stand-in", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it("all pass in round 0: one round, split into batches within the request and byte limits, submitted together", async () => {
    await withStandIn({}, async (server) => {
      const fx = await writeSynthFixture(join(dir, "pass"), 7);
      const client = await createRemoteClient({ endpoint: server.url });
      const rounds: SynthRound[] = [];
      const statuses: string[] = [];
      const summary = await runBatchSynthesis({
        ...fx,
        client,
        model: "stand-in",
        pollIntervalMs: 5,
        maxRequestsPerBatch: 3,
        onRound: (r) => rounds.push(r),
        onStatus: (b) => statuses.push(`${b.id} ${b.status}`),
      });
      assert.deepEqual(summary.written, { total: 7, valid_first_try: 7, valid_after_corrections: {}, invalid: 0 });
      assert.equal(summary.requests, 7);
      addsUp(summary);
      assert.equal(server.stats.batchesCreated, 3, "7 requests in batches of 3");
      assert.equal(server.stats.chatRequests, 0);
      assert.deepEqual(statuses.slice(0, 3).map((x) => x.split(" ")[1]), ["in_progress", "in_progress", "in_progress"], "all three run at once");
      assert.equal(new Set(statuses.slice(0, 3).map((x) => x.split(" ")[0])).size, 3);
      assert.deepEqual(rounds.map((r) => [r.round, r.batch_ids.length, r.requests, r.written, r.to_correct, r.failed]), [[0, 3, 7, 7, 0, 0]]);
      assert.ok(rounds[0].usage.prompt_tokens > 0 && rounds[0].usage.completion_tokens > 0);
      assert.deepEqual(summary.usage, rounds[0].usage);
      const records = parseJsonl(await readFile(fx.out, "utf8"));
      assert.deepEqual(records.map((r) => r.id), [0, 1, 2, 3, 4, 5, 6].map(synthId));
      for (const r of records) assert.equal(r.is_valid, true);
      await assert.rejects(stat(synthBatchStateFileOf(fx.out)), "nothing left to resume: the state file is gone");

      // A byte limit of two requests' lines (each a few kB) gives batches of two.
      const sizes = await Promise.all(
        [0, 1, 2, 3].map(async (i) => {
          const sample = SampleSchema.parse(synthRecord(i));
          const prompt = await synthRequestContent({ sample, images: fx.images, labelSet: orderLabelSet(["happiness", "sadness", "anger", "surprise"]), variant: "grpo" });
          const body = attemptRequest({ model: "stand-in", prompt, state: newAttemptState("stand-in"), maxTokens: 1024 });
          return Buffer.byteLength(batchLineOf({ customId: synthId(i), body })) + 1;
        }),
      );
      const small = await writeSynthFixture(join(dir, "bytes"), 7);
      const before = server.stats.batchesCreated;
      const bySize = await runBatchSynthesis({ ...small, client, model: "stand-in", pollIntervalMs: 5, maxBytesPerBatch: 2 * Math.max(...sizes) + 2 });
      assert.equal(bySize.written.total, 7);
      assert.equal(bySize.rounds![0].batch_ids.length, 4, "7 requests, two per batch");
      // The last batch (record 6 alone) holds the very requests of the first run's last batch:
      // found by its tag and used, not paid for again.
      assert.equal(server.stats.batchesCreated - before, 3);
      assert.equal(bySize.batch!.reused, true);
    });
  });

  it("corrects in rounds with the online path's messages; records identical to an online run; invalid keeps the first output", async () => {
    const n = 6;
    const online = await withStandIn({ synthesis: { mistakes } }, async (server) => {
      const fx = await writeSynthFixture(join(dir, "online"), n);
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runSynthesis({ ...fx, client, model: "stand-in", retries: 2 });
      return { summary, records: byId(await readFile(fx.out, "utf8")), exchanges: server.stats.synthRequests };
    });
    await withStandIn({ synthesis: { mistakes } }, async (server) => {
      const fx = await writeSynthFixture(join(dir, "batch"), n);
      const r = await runCli(synthArgs({ ...fx, url: server.url }, [...POLL, "--retries", "2", "--json"]));
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout).synth as SynthSummary;
      assert.deepEqual(summary.written, { total: n, valid_first_try: 3, valid_after_corrections: { "1": 1, "2": 1 }, invalid: 1 });
      assert.deepEqual(summary.written, online.summary.written);
      assert.equal(summary.requests, online.summary.requests);
      assert.deepEqual(summary.usage, online.summary.usage, "the same requests, so the same tokens");
      addsUp(summary);
      // Round 0: all 6; round 1: the 3 that failed; round 2: the 2 still failing.
      assert.deepEqual(
        summary.rounds!.map((x) => [x.round, x.requests, x.written, x.to_correct]),
        [[0, 6, 3, 3], [1, 3, 1, 2], [2, 2, 2, 0]],
      );
      assert.equal(server.stats.batchesCreated, 3);
      assert.equal(server.stats.chatRequests, 0);
      assert.match(r.stderr, /synth: round 1 \(batch_\d+\): 3 requests, \d+ prompt \+ \d+ completion tokens; 1 written, 2 to correct, 0 failed/);
      assert.match(r.stderr, /synth: batch total: 3 rounds, 11 requests/);
      assert.match(r.stderr, /synth: read 6 = written 6 \+ failed 0 \+ rejected 0 \+ skipped 0/);

      const records = byId(await readFile(fx.out, "utf8"));
      assert.equal(records.size, n);
      for (const [id, record] of records) assert.deepEqual(record, online.records.get(id), `${id} as online`);
      assert.deepEqual([1, 2, 3].map((i) => synthMeta(records.get(synthId(i))!).attempts), [2, 3, 3]);
      const invalid = records.get(synthId(3))!;
      assert.equal(invalid.is_valid, false);
      assert.match(synthMeta(invalid).output, /^<think>Attempt 1: /, "the first output is kept");
      // Every conversation (prompt, previous output, correction) is the online one.
      for (let i = 0; i < n; i++) assert.deepEqual(server.stats.synthRequests.get(synthId(i)), online.exchanges.get(synthId(i)), synthId(i));
      await assert.rejects(stat(synthBatchStateFileOf(fx.out)));
    });
  });

  it("error lines go to the failures file with their attempts kept; the rerun continues them without repeating paid requests", async () => {
    // syn-00000 errs on its first batch line; syn-00001 fails the check, then its correction errs.
    const lineError = (item: string, line: number) => (item === synthId(0) && line === 1) || (item === synthId(1) && line === 2);
    await withStandIn({ synthesis: { mistakes }, batchLineError: lineError }, async (server) => {
      const fx = await writeSynthFixture(join(dir, "errors"), 4);
      const first = await runCli(synthArgs({ ...fx, url: server.url }, [...POLL, "--retries", "2", "--json"]));
      assert.equal(first.code, 1, "failed records make the run exit 1");
      const s1 = JSON.parse(first.stdout).synth as SynthSummary;
      assert.equal(s1.failed, 2);
      assert.equal(s1.written.total, 2);
      addsUp(s1);
      const failures = parseJsonl(await readFile(`${fx.out}.failures.jsonl`, "utf8"));
      assert.deepEqual(failures.map((f) => [f.id, f.kind]).sort(), [[synthId(0), "batch"], [synthId(1), "batch"]]);
      for (const f of failures) assert.match(String(f.error), /batch request failed: server_error: request failed in batch/);
      const state = JSON.parse(await readFile(synthBatchStateFileOf(fx.out), "utf8"));
      assert.deepEqual(Object.keys(state.records), [synthId(1)], "the failed correction's first attempt is kept");
      assert.equal(state.records[synthId(1)].attempts, 1);

      const second = await runCli(synthArgs({ ...fx, url: server.url }, [...POLL, "--retries", "2", "--json"]));
      assert.equal(second.code, 0, second.stderr);
      const s2 = JSON.parse(second.stdout).synth as SynthSummary;
      assert.equal(s2.skipped, 2);
      assert.equal(s2.failed, 0);
      assert.deepEqual(s2.rounds!.map((x) => x.requests), [2], "one round: syn-00000's first attempt and syn-00001's correction");
      addsUp(s2);
      assert.equal(await readFile(`${fx.out}.failures.jsonl`, "utf8"), "", "the failures file describes the last run");
      const records = byId(await readFile(fx.out, "utf8"));
      assert.equal(records.size, 4);
      assert.equal(synthMeta(records.get(synthId(0))!).attempts, 1);
      assert.equal(synthMeta(records.get(synthId(1))!).attempts, 2);
      assert.equal(records.get(synthId(1))!.is_valid, true);
      // Lines of the first run: 4 (round 0) + 3 (round 1, syn-00001's erring) + 2 (round 2); the rerun: 2.
      assert.deepEqual([0, 1, 2, 3].map((i) => server.stats.batchLinesByItem.get(synthId(i))), [2, 3, 3, 3]);
      await assert.rejects(stat(synthBatchStateFileOf(fx.out)));
    });
  });

  it("--no-wait submits and exits 0; reruns resume the same batch; a kill after writing records repeats nothing", async () => {
    await withStandIn({ synthesis: { mistakes }, batchPolls: 2 }, async (server) => {
      const n = 5;
      const fx = await writeSynthFixture(join(dir, "no-wait"), n);
      const args = synthArgs({ ...fx, url: server.url }, [...POLL, "--retries", "2", "--json"]);
      const first = await runCli([...args, "--no-wait"]);
      assert.equal(first.code, 0, first.stderr);
      const s1 = JSON.parse(first.stdout).synth as SynthSummary;
      assert.deepEqual([s1.batch!.pending, s1.batch!.submitted, s1.batch!.round, s1.in_batch], [true, true, 0, n]);
      addsUp(s1);
      assert.match(first.stderr, /round 0: batch batch_\d+ in_progress; rerun the same command to collect it/);
      assert.deepEqual([server.stats.batchesCreated, server.stats.filesUploaded], [1, 1]);
      const state = JSON.parse(await readFile(synthBatchStateFileOf(fx.out), "utf8"));
      assert.equal(state.chunks[0].batch.batch_id, s1.batch!.ids[0]);
      // What the state file holds while round 0 runs: restored below to simulate a kill.
      await copyFile(synthBatchStateFileOf(fx.out), join(dir, "no-wait", "round-0.json"));

      const second = await runCli([...args, "--no-wait"]);
      assert.equal(second.code, 0, second.stderr);
      const s2 = JSON.parse(second.stdout).synth as SynthSummary;
      assert.deepEqual([s2.batch!.ids, s2.batch!.pending, s2.batch!.submitted], [s1.batch!.ids, true, false]);
      assert.deepEqual([server.stats.batchesCreated, server.stats.filesUploaded], [1, 1], "checked, not submitted again");

      const third = await runCli(args);
      assert.equal(third.code, 0, third.stderr);
      const s3 = JSON.parse(third.stdout).synth as SynthSummary;
      assert.deepEqual(s3.written, { total: n, valid_first_try: 2, valid_after_corrections: { "1": 1, "2": 1 }, invalid: 1 });
      assert.equal(s3.rounds![0].batch_ids[0], s1.batch!.ids[0], "round 0 is the batch of the first run");
      assert.equal(server.stats.batchesCreated, 3, "rounds 1 and 2 only");
      const ids = parseJsonl(await readFile(fx.out, "utf8")).map((r) => String(r.id));
      assert.equal(ids.length, n);

      // Killed after round 0's records were appended but before the state moved on: the
      // rerun reads the finished batch again and writes nothing twice.
      await copyFile(join(dir, "no-wait", "round-0.json"), synthBatchStateFileOf(fx.out));
      const before = [server.stats.batchesCreated, server.stats.filesUploaded];
      const fourth = await runCli(args);
      assert.equal(fourth.code, 0, fourth.stderr);
      const s4 = JSON.parse(fourth.stdout).synth as SynthSummary;
      assert.deepEqual([s4.skipped, s4.written.total], [n, 0]);
      assert.deepEqual([server.stats.batchesCreated, server.stats.filesUploaded], before, "no request paid twice");
      const after = parseJsonl(await readFile(fx.out, "utf8")).map((r) => String(r.id));
      assert.equal(after.length, n);
      assert.equal(new Set(after).size, n, "no duplicate ids");
    });
  });
});
