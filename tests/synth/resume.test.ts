import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { faultFor, startOpenAiStandIn, type FaultConfig, type SynthMistake } from "../servers/openai-stand-in.js";
import { parseJsonl, synthArgs, synthId, synthMeta, writeSynthFixture } from "./fixtures.js";
import { createRemoteClient } from "../../src/eval/client.js";
import { runSynthesis } from "../../src/synth/run.js";

/** Every fifth item needs one correction of its AU set. */
const oneCorrectionEveryFifth = (item: string): SynthMistake | undefined => (Number(item.slice(4)) % 5 === 0 ? { kinds: ["au"], attempts: 1 } : undefined);

describe("facial-r1 synth: transport faults, failures and resume", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it("absorbs 429, 500 and connection resets through the client's retries, corrections included", async () => {
    const faults: FaultConfig = { rate: 0.4, kinds: ["429", "500", "reset"], repeat: 2, retryAfterMs: 2 };
    const server = await startOpenAiStandIn({ faults, synthesis: { mistakes: oneCorrectionEveryFifth } });
    try {
      const n = 60;
      const fx = await writeSynthFixture(join(dir, "faults"), n);
      const client = await createRemoteClient({ endpoint: server.url, retries: 3, retryBaseMs: 1 });
      const summary = await runSynthesis({ ...fx, client, model: "stand-in", concurrency: 8 });
      assert.equal(summary.failed, 0);
      assert.deepEqual(summary.written, { total: n, valid_first_try: n - 12, valid_after_corrections: { "1": 12 }, invalid: 0 });
      const records = parseJsonl(await readFile(fx.out, "utf8"));
      assert.equal(new Set(records.map((r) => r.id)).size, n);
      const faulty = Array.from({ length: n }, (_, i) => synthId(i)).filter((id) => faultFor(faults, id, 1) !== undefined);
      assert.ok(faulty.length > 5, `faults were injected (${faulty.length})`);
      for (const record of records) {
        const id = String(record.id);
        const attempts = synthMeta(record).attempts;
        assert.equal(attempts, Number(id.slice(4)) % 5 === 0 ? 2 : 1, id);
        // Faulty items' first two requests failed and were retried with the same messages.
        assert.equal(server.stats.requestsByItem.get(id), attempts + (faulty.includes(id) ? 2 : 0), id);
      }
    } finally {
      await server.close();
    }
  });

  it("a persistently failing record goes to the failures file with its error; the rerun completes it", async () => {
    const faults: FaultConfig = { rate: 0, kinds: ["500"], persistentRate: 0.15 };
    const server = await startOpenAiStandIn({ faults });
    try {
      const n = 40;
      const fx = await writeSynthFixture(join(dir, "persistent"), n);
      const persistent = Array.from({ length: n }, (_, i) => synthId(i)).filter((id) => faultFor(faults, id, 99) === "500");
      assert.ok(persistent.length > 0);
      const first = await runCli(synthArgs({ ...fx, url: server.url }, ["--request-retries", "1", "--json"]));
      assert.equal(first.code, 1, "failed records make the run exit 1");
      const s1 = JSON.parse(first.stdout).synth;
      assert.equal(s1.failed, persistent.length);
      assert.equal(s1.written.total, n - persistent.length);
      const failures = parseJsonl(await readFile(`${fx.out}.failures.jsonl`, "utf8"));
      assert.deepEqual(failures.map((f) => String(f.id)).sort(), persistent);
      for (const f of failures) {
        assert.match(String(f.error), /HTTP 500/);
        assert.equal(f.kind, "server");
      }
      assert.match(first.stderr, /failed records are listed in .*synth\.jsonl\.failures\.jsonl; rerun to retry them/);

      server.options.faults = undefined;
      const before = new Map(server.stats.requestsByItem);
      const second = await runCli(synthArgs({ ...fx, url: server.url }, ["--json"]));
      assert.equal(second.code, 0, second.stderr);
      const s2 = JSON.parse(second.stdout).synth;
      assert.equal(s2.skipped, n - persistent.length);
      assert.equal(s2.written.total, persistent.length);
      assert.equal(s2.failed, 0);
      assert.equal(await readFile(`${fx.out}.failures.jsonl`, "utf8"), "", "the failures file describes the last run");
      const ids = parseJsonl(await readFile(fx.out, "utf8")).map((r) => String(r.id));
      assert.equal(ids.length, n);
      assert.equal(new Set(ids).size, n);
      for (const [id, count] of server.stats.requestsByItem) {
        if (!persistent.includes(id)) assert.equal(count, before.get(id), `${id} was done and requested again`);
      }
    } finally {
      await server.close();
    }
  });

  it("killed with SIGKILL mid-run and rerun: no written record is requested again, no duplicate lines", async () => {
    const server = await startOpenAiStandIn({ latencyMs: 5, synthesis: { mistakes: oneCorrectionEveryFifth } });
    try {
      const n = 600;
      const fx = await writeSynthFixture(join(dir, "kill"), n);
      const args = synthArgs({ ...fx, url: server.url }, ["--concurrency", "16"]);
      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), ...args], {
        cwd: ROOT,
        env: { ...process.env, FACIAL_R1_QUIET: "1" },
        stdio: "ignore",
      });
      const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
      while (true) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const size = await stat(fx.out).then((s) => s.size, () => 0);
        if (size > 0 && (await readFile(fx.out, "utf8")).split("\n").length > 120) break;
      }
      child.kill("SIGKILL");
      await exited;
      const killedAt = new Map(server.stats.requestsByItem);
      const firstIds = new Set(
        (await readFile(fx.out, "utf8"))
          .split("\n")
          .slice(0, -1) // a partial last line does not count
          .map((l) => String(JSON.parse(l).id)),
      );
      assert.ok(firstIds.size > 0 && firstIds.size < n, `killed mid-run (${firstIds.size} written)`);

      const r = await runCli([...args, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout).synth;
      assert.equal(summary.skipped, firstIds.size);
      assert.equal(summary.written.total, n - firstIds.size);
      assert.equal(summary.read, summary.written.total + summary.skipped);
      const records = parseJsonl(await readFile(fx.out, "utf8"));
      const ids = records.map((x) => String(x.id));
      assert.equal(ids.length, n);
      assert.equal(new Set(ids).size, n, "no duplicate lines after the resume");
      for (const id of firstIds) assert.equal(server.stats.requestsByItem.get(id), killedAt.get(id), `${id} was written, then requested again`);
      // Records in progress at the kill start over: their attempts count from the first again.
      for (const record of records) assert.equal(synthMeta(record).attempts, Number(String(record.id).slice(4)) % 5 === 0 ? 2 : 1);
    } finally {
      await server.close();
    }
  });
});
