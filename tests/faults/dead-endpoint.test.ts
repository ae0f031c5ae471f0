import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeInferFixture } from "../eval-remote/fixtures.js";
import { assertOutcome, runCli } from "./harness.js";
import { tempDir } from "../helpers/cli.js";
import { DEAD_ENDPOINTS, REMOTE_COMMANDS } from "./endpoints.js";

const RECORDS = 40;
const CONCURRENCY = 8;
/** Counts the fetches (attempts) of a CLI run; see count-fetch.mjs. */
const COUNT_FETCH = pathToFileURL(join(import.meta.dirname, "count-fetch.mjs")).href;

for (const command of REMOTE_COMMANDS) {
  for (const endpoint of DEAD_ENDPOINTS) {
    test(`${command.name} against ${endpoint.name}, default retries: stops at once with one line; nothing done or marked failed`, async () => {
      const { dir, cleanup } = await tempDir("facial-r1-fault-");
      try {
        const fx = await writeInferFixture(dir, RECORDS);
        const predictions = join(dir, "predictions.jsonl");
        const records = (await readFile(fx.dataset, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { id: string });
        await writeFile(predictions, records.map((r) => `${JSON.stringify({ id: r.id, output: "<think>AU6</think><answer>happiness</answer>" })}\n`).join(""));
        const url = await endpoint.url();
        // No --retries: without failing fast this would retry every record for minutes and mark it failed.
        const attempts = join(dir, "attempts");
        const env = { OPENAI_API_KEY: "", NODE_OPTIONS: `--import ${COUNT_FETCH}`, FACIAL_R1_TEST_FETCH_COUNT: attempts };
        const result = await runCli(command.args({ ...fx, predictions, dir, endpoint: url }), { cwd: dir, env });
        assertOutcome(result, { code: 1, message: endpoint.message(url) }, command.name);
        assert.equal(result.stderr.split("\n").filter((l) => l.includes(url)).length, 1, `the endpoint is named more than once:\n${result.stderr}`);
        const state = command.state(JSON.parse(result.stdout) as Record<string, Record<string, unknown>>);
        assert.equal(state.done, 0);
        assert.equal(state.failed, 0, "records were marked failed");
        assert.equal(state.notAttempted, RECORDS);
        // The requests in flight when the first connection was refused end the run: no retry, no new request.
        const made = Number(await readFile(attempts, "utf8"));
        assert.ok(made >= 1 && made <= CONCURRENCY, `${made} attempts to reach the endpoint (at most ${CONCURRENCY}, one per request in flight)`);
        const out = command.out(dir);
        assert.equal(existsSync(out) ? (await readFile(out, "utf8")).trim() : "", "", "records were written as done");
        const failures = `${out}.failures.jsonl`;
        assert.equal(existsSync(failures) ? (await readFile(failures, "utf8")).trim() : "", "", "records were marked failed");
      } finally {
        await cleanup();
      }
    });
  }
}
