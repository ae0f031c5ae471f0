import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ChildProcess } from "node:child_process";
import { startCli, tempDir, type CliResult } from "../helpers/cli.js";
import { startOpenAiStandIn, type StandIn } from "../servers/openai-stand-in.js";
import { BATCH_TAG_KEY } from "../../src/eval/batch.js";
import { BATCH_COMMANDS } from "./batch-commands.js";

/** Batches of others created after the killed run's: the list's first page (100) holds none of ours. */
const OTHERS = 101;

/** Creates `n` unrelated batches (no tag) through the API, as other work of the organization would. */
async function createOtherBatches(server: StandIn, n: number): Promise<void> {
  const form = new FormData();
  form.append("purpose", "batch");
  form.append("file", new Blob(['{"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n']), "other.jsonl");
  const file = (await (await fetch(`${server.url}/files`, { method: "POST", body: form })).json()) as { id: string };
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    const res = await fetch(`${server.url}/batches`, { method: "POST", body, headers: { "content-type": "application/json" } });
    assert.equal(res.status, 200);
  }
}

// Killed between creating the batch and saving its id, the command leaves no id behind: the
// rerun must find the batch by the tag in its metadata (paging through the organization's
// batches) and use it, so the requests are paid for once.
for (const subject of BATCH_COMMANDS) {
  test(`${subject.name}: killed after the batch is created and before its id is saved, the rerun uses that batch; one batch is paid for`, async () => {
    const { dir, cleanup } = await tempDir("facial-r1-fault-");
    let victim: ChildProcess | undefined;
    let killed: Promise<CliResult> | undefined;
    const server = await startOpenAiStandIn({
      onBatchCreated: async () => {
        if (!victim) return;
        // The batch exists; the reply with its id never reaches the command.
        victim.kill("SIGKILL");
        await killed;
        victim = undefined;
      },
    });
    try {
      const { args, out } = await subject.setup(dir, server.url);
      const first = startCli(args, { cwd: dir, env: { OPENAI_API_KEY: "" } });
      victim = first.child;
      killed = first.result;
      const died = await first.result;
      assert.equal(died.code, -1, `the command was to be killed: ${died.stderr}`);
      assert.equal(server.stats.batchesCreated, 1);
      assert.ok(!existsSync(`${out}.batch.json`) || !(await readFile(`${out}.batch.json`, "utf8")).includes("batch_id"), "the id was saved before the kill");

      await createOtherBatches(server, OTHERS);
      const pagesBefore = server.stats.batchListPages;
      const rerun = await startCli(args, { cwd: dir, env: { OPENAI_API_KEY: "" } }).result;
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.equal(server.stats.batchesCreated, 1 + OTHERS, "the rerun submitted the requests again");
      assert.ok(server.stats.batchListPages - pagesBefore >= 2, "the tagged batch is on the list's second page");
      assert.match(rerun.stderr, /batch batch_\d+ \(\w+\) holds these same requests: a run submitted it and stopped before saving its id; using it instead of paying again/);
      const written = (await readFile(out, "utf8")).trim().split("\n").filter(Boolean);
      assert.equal(written.length, subject.records);
    } finally {
      victim?.kill("SIGKILL");
      await server.close();
      await cleanup();
    }
  });
}

test("a batch that failed is not used again: the same requests are submitted anew, with the tag", async () => {
  const { dir, cleanup } = await tempDir("facial-r1-fault-");
  const server = await startOpenAiStandIn({ batchFailure: "the input file is invalid" });
  try {
    const { args } = await BATCH_COMMANDS[0].setup(dir, server.url);
    const failed = await startCli(args, { cwd: dir, env: { OPENAI_API_KEY: "" } }).result;
    assert.equal(failed.code, 1, failed.stderr);
    server.options.batchFailure = undefined;
    const again = await startCli(args, { cwd: dir, env: { OPENAI_API_KEY: "" } }).result;
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.stats.batchesCreated, 2);
    const listed = (await (await fetch(`${server.url}/batches?limit=10`)).json()) as { data: { status: string; metadata: Record<string, string> | null }[] };
    assert.deepEqual(listed.data.map((b) => b.status), ["completed", "failed"]);
    assert.equal(listed.data[0].metadata?.[BATCH_TAG_KEY], listed.data[1].metadata?.[BATCH_TAG_KEY], "both carry the same tag");
    assert.match(listed.data[0].metadata![BATCH_TAG_KEY], /^[0-9a-f]{64}$/);
  } finally {
    await server.close();
    await cleanup();
  }
});
