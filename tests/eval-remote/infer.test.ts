import { spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { faultFor, modelAnswer, startOpenAiStandIn, type FaultConfig } from "../servers/openai-stand-in.js";
import { parseJsonl, recordId, sampleRecord, writeInferFixture } from "./fixtures.js";
import { createRemoteClient } from "../../src/eval/client.js";
import { runInference } from "../../src/eval/infer.js";
import { formatProblem, type Problem } from "../../src/util/errors.js";

const KEY = "fake-test-key-0123456789abcdef";

function inferArgs(p: { dataset: string; images: string; url: string; out: string }, extra: string[] = []): string[] {
  return ["eval", "infer", "--dataset", p.dataset, "--images", p.images, "--endpoint", p.url, "--model", "stand-in", "--out", p.out, ...extra];
}

describe("eval infer against the OpenAI stand-in", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  /** 2,000 records, shared by the fault and the kill tests (each writes its own predictions). */
  let big: { dataset: string; images: string };
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    big = await writeInferFixture(join(dir, "big"), 2000);
  });
  after(async () => cleanup());

  it("sends prompt and image as the server expects and writes one prediction per record", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY });
    server.keepBodies = true;
    try {
      const fx = await writeInferFixture(join(dir, "basic"), 12);
      const out = join(dir, "basic", "pred.jsonl");
      const r = await runCli([...inferArgs({ ...fx, url: server.url, out }, ["--concurrency", "4", "--json"])], { env: { OPENAI_API_KEY: KEY } });
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout).infer;
      assert.equal(summary.succeeded, 12);
      assert.equal(summary.failed, 0);
      const preds = parseJsonl(await readFile(out, "utf8"));
      assert.equal(preds.length, 12);
      for (const p of preds) assert.equal(p.output, modelAnswer(String(p.id)));
      const body = server.stats.bodies[0] as {
        temperature: number;
        messages: { content: { type: string; text?: string; image_url?: { url: string } }[] }[];
      };
      assert.equal(body.temperature, 0);
      const parts = body.messages[0].content;
      assert.match(parts[0].image_url!.url, /^data:image\/png;base64,/);
      const text = parts.find((part) => part.type === "text")!.text!;
      // The file's label set (in canonical order), AU definitions and the format instruction.
      assert.match(text, /anger, happiness, sadness, surprise/);
      assert.match(text, /AU43: Eyes closed/);
      assert.match(text, /<think>/);
      assert.ok(!r.stderr.includes(KEY) && !r.stdout.includes(KEY));
    } finally {
      await server.close();
    }
  });

  it("with 5% injected faults, ends with every one of 2,000 records scored or recorded as failed, once", async () => {
    const faults: FaultConfig = { rate: 0.05, kinds: ["429", "500", "slow", "reset", "malformed"], persistentRate: 0.004, slowMs: 2500, retryAfterMs: 5 };
    const server = await startOpenAiStandIn({ latencyMs: 1, faults });
    try {
      const n = 2000;
      const out = join(dir, "faults.jsonl");
      const r = await runCli(inferArgs({ ...big, url: server.url, out }, ["--concurrency", "32", "--timeout", "1", "--retries", "3", "--json"]));
      assert.equal(r.code, 1, "persistent failures make the run exit 1");
      const summary = JSON.parse(r.stdout).infer;
      const preds = parseJsonl(await readFile(out, "utf8"));
      const failures = parseJsonl(await readFile(`${out}.failures.jsonl`, "utf8"));
      const predIds = preds.map((p) => String(p.id));
      const failIds = failures.map((f) => String(f.id));
      assert.equal(new Set(predIds).size, predIds.length, "no duplicate predictions");
      assert.equal(new Set(failIds).size, failIds.length, "no duplicate failures");
      const all = new Set([...predIds, ...failIds]);
      assert.equal(all.size, n, "every record is either scored or failed, never both");
      assert.equal(predIds.length + failIds.length, n);
      assert.equal(summary.succeeded, predIds.length);
      assert.equal(summary.failed, failIds.length);
      assert.equal(summary.not_attempted, 0);
      // Records whose every request fails end as failures with the server's error.
      const persistent = Array.from({ length: n }, (_, i) => recordId(i)).filter((id) => faultFor(faults, id, 99) === "500");
      assert.ok(persistent.length > 0);
      for (const id of persistent) assert.match(String(failures.find((f) => f.id === id)?.error), /HTTP 500/, id);
      for (const p of preds) assert.equal(p.output, modelAnswer(String(p.id)));
      // Faults really happened and were retried.
      const retried = [...server.stats.requestsByItem.values()].filter((c) => c > 1).length;
      assert.ok(retried > 50, `expected many retried records, got ${retried}`);
    } finally {
      await server.close();
    }
  });

  it("killed with SIGKILL mid-run and rerun, requests no recorded record again", async () => {
    const server = await startOpenAiStandIn({ latencyMs: 3 });
    try {
      const n = 2000;
      const fx = big;
      const out = join(dir, "kill.jsonl");
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), ...inferArgs({ ...fx, url: server.url, out }, ["--concurrency", "32"])], {
        cwd: ROOT,
        env: { ...process.env, FACIAL_R1_QUIET: "1" },
        stdio: "ignore",
      });
      const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
      // Kill once a good part (but not all) is written.
      while (true) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const size = await stat(out).then((s) => s.size, () => 0);
        if (size > 0 && (await readFile(out, "utf8")).split("\n").length > 400) break;
      }
      child.kill("SIGKILL");
      await exited;
      const firstText = await readFile(out, "utf8");
      const firstIds = new Set(
        firstText
          .split("\n")
          .slice(0, -1) // a partial last line does not count
          .map((l) => String(JSON.parse(l).id)),
      );
      assert.ok(firstIds.size > 0 && firstIds.size < n, `killed mid-run (${firstIds.size} done)`);

      const r = await runCli(inferArgs({ ...fx, url: server.url, out }, ["--concurrency", "32", "--json"]));
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout).infer;
      assert.equal(summary.already_done, firstIds.size);
      assert.equal(summary.succeeded, n - firstIds.size);
      const ids = parseJsonl(await readFile(out, "utf8")).map((p) => String(p.id));
      assert.equal(ids.length, n);
      assert.equal(new Set(ids).size, n, "no duplicates after resume");
      for (const id of firstIds) assert.equal(server.stats.requestsByItem.get(id), 1, `${id} was recorded, then requested again`);
      // Only requests in flight at the kill can have been sent twice.
      const twice = [...server.stats.requestsByItem.values()].filter((c) => c > 1).length;
      assert.ok(twice <= 32, `${twice} records requested twice`);
    } finally {
      await server.close();
    }
  });

  it("discards and reports a partial last line, and requests that record again", async () => {
    const server = await startOpenAiStandIn();
    try {
      const fx = await writeInferFixture(join(dir, "partial"), 5);
      const out = join(dir, "partial", "pred.jsonl");
      const done = [0, 1].map((i) => JSON.stringify({ id: recordId(i), output: "earlier" }));
      await writeFile(out, `${done.join("\n")}\n{"id": "${recordId(2)}", "outp`);
      const problems: Problem[] = [];
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runInference({ ...fx, out, client, model: "stand-in", onProblem: (p) => problems.push(p) });
      assert.match(formatProblem(problems[0]), /pred\.jsonl: discarded a partial last line \(\d+ bytes\)/);
      assert.equal(summary.already_done, 2);
      assert.equal(summary.succeeded, 3);
      assert.ok(summary.partial_line_discarded > 0);
      const preds = parseJsonl(await readFile(out, "utf8"));
      assert.deepEqual(preds.map((p) => p.id).sort(), [0, 1, 2, 3, 4].map(recordId));
      assert.equal(server.stats.requestsByItem.get(recordId(0)), undefined);
      assert.equal(server.stats.requestsByItem.get(recordId(2)), 1);
    } finally {
      await server.close();
    }
  });

  it("--limit takes the first N records and --prompt sft leaves out the worked example", async () => {
    const server = await startOpenAiStandIn();
    server.keepBodies = true;
    try {
      const fx = await writeInferFixture(join(dir, "limit"), 6);
      const out = join(dir, "limit", "pred.jsonl");
      const client = await createRemoteClient({ endpoint: server.url });
      const summary = await runInference({ ...fx, out, client, model: "stand-in", limit: 3, variant: "sft", concurrency: 2 });
      assert.equal(summary.records, 3);
      assert.equal(summary.succeeded, 3);
      assert.deepEqual([...server.stats.requestsByItem.keys()].sort(), [0, 1, 2].map(recordId));
      const text = JSON.stringify(server.stats.bodies[0]);
      assert.match(text, /AU1: Inner brow raiser/);
      assert.doesNotMatch(text, /Example of the expected output/);
    } finally {
      await server.close();
    }
  });

  it("reports invalid dataset lines with file:line and records missing or broken images as failed", async () => {
    const server = await startOpenAiStandIn();
    try {
      const fx = await writeInferFixture(join(dir, "bad"), 4);
      const missing = { ...sampleRecord(9), image: "img/nowhere.png" };
      const broken = { ...sampleRecord(10), image: "img/broken.png" };
      await writeFile(join(fx.images, "img", "broken.png"), "this is not an image");
      const text = await readFile(fx.dataset, "utf8");
      await writeFile(fx.dataset, `${text}{"id": "broken",\n${JSON.stringify({ id: "no-question", image: "a.png" })}\n${JSON.stringify(missing)}\n${JSON.stringify(broken)}\n`);
      const out = join(dir, "bad", "pred.jsonl");
      const r = await runCli(inferArgs({ ...fx, url: server.url, out }, ["--json"]));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /test\.jsonl:5: invalid JSON/);
      // Said in plain words (which field, what was expected), not in the schema library's.
      assert.match(r.stderr, /test\.jsonl:6: dataset: required field is missing \(expected string\)/);
      const summary = JSON.parse(r.stdout).infer;
      assert.equal(summary.invalid, 2);
      assert.equal(summary.succeeded, 4);
      assert.equal(summary.failed, 2);
      assert.match(r.stderr, /4 done now, 0 done before, 2 failed .*2 invalid lines skipped/);
      const failures = new Map(parseJsonl(await readFile(`${out}.failures.jsonl`, "utf8")).map((f) => [f.id, String(f.error)]));
      assert.match(failures.get(recordId(9))!, /image not found: .*nowhere\.png/);
      assert.match(failures.get(recordId(10))!, /broken\.png: /);
      assert.equal(server.stats.chatRequests, 4, "no request is paid for a record whose image is unusable");
    } finally {
      await server.close();
    }
  });

  it("stops early on a wrong API key, without printing the key", async () => {
    const server = await startOpenAiStandIn({ apiKey: KEY });
    try {
      const fx = await writeInferFixture(join(dir, "auth"), 200);
      const out = join(dir, "auth", "pred.jsonl");
      const wrong = "fake-wrong-key-abcdefghijklmnop";
      const r = await runCli(inferArgs({ ...fx, url: server.url, out }, ["--concurrency", "4", "--api-key-env", "MY_KEY", "--json"]), {
        env: { MY_KEY: wrong },
      });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /rejected the API key in \$MY_KEY \(HTTP 401\)/);
      assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong), "the key is never printed");
      const summary = JSON.parse(r.stdout).infer;
      assert.equal(summary.failed, 0, "records are not failed for a bad key");
      assert.equal(summary.not_attempted, 200);
      assert.ok(server.stats.chatRequests <= 8, `stopped early (${server.stats.chatRequests} requests)`);
    } finally {
      await server.close();
    }
  });

  it("stops early when the endpoint is unreachable or the model unknown", async () => {
    const server = await startOpenAiStandIn({ models: ["known"] });
    const closed = await startOpenAiStandIn();
    await closed.close();
    try {
      const fx = await writeInferFixture(join(dir, "unreachable"), 50);
      const out = join(dir, "unreachable", "pred.jsonl");
      const down = await runCli(inferArgs({ ...fx, url: closed.url, out }, ["--retries", "1", "--json"]));
      assert.equal(down.code, 1);
      assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\)/);
      assert.equal(JSON.parse(down.stdout).infer.not_attempted, 50);

      const client = await createRemoteClient({ endpoint: server.url });
      const unknown = await runInference({ ...fx, out, client, model: "unknown" });
      assert.match(unknown.aborted ?? "", /HTTP 404 .*does not exist.*check --model/);
      assert.equal(unknown.failed, 0);
      assert.equal(unknown.not_attempted, 50);
      assert.ok(server.stats.chatRequests <= 8);
    } finally {
      await server.close();
    }
  });
});
