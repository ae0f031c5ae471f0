import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeInferFixture } from "../eval-remote/fixtures.js";
import { assertOutcome, runCli } from "./harness.js";
import { tempDir } from "../helpers/cli.js";

const RECORDS = 40;
const CONCURRENCY = 8;
/** Counts the fetches (attempts) of a CLI run; see count-fetch.mjs. */
const COUNT_FETCH = pathToFileURL(join(import.meta.dirname, "count-fetch.mjs")).href;

/** A port nothing listens on: bound by this process, then closed, so connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Fixture {
  dataset: string;
  images: string;
  predictions: string;
  dir: string;
  endpoint: string;
}

/** A command that calls the endpoint once per record, and how to read its --json summary. */
interface Subject {
  name: string;
  args: (fx: Fixture) => string[];
  out: (dir: string) => string;
  /** Done, failed and not attempted records, from the --json summary. */
  state: (json: Record<string, Record<string, unknown>>) => { done: number; failed: number; notAttempted: number };
}

const COMMANDS: Subject[] = [
  {
    name: "eval infer",
    args: (fx) => ["eval", "infer", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", fx.endpoint, "--model", "m", "--out", join(fx.dir, "pred.jsonl"), "--json"],
    out: (dir) => join(dir, "pred.jsonl"),
    state: ({ infer }) => ({ done: infer.succeeded as number, failed: infer.failed as number, notAttempted: infer.not_attempted as number }),
  },
  {
    name: "eval judge",
    args: (fx) => ["eval", "judge", "--dataset", fx.dataset, "--predictions", fx.predictions, "--endpoint", fx.endpoint, "--no-cache", "--out", join(fx.dir, "judge.jsonl"), "--json"],
    out: (dir) => join(dir, "judge.jsonl"),
    state: ({ judge }) => {
      const counts = judge.counts as Record<string, number>;
      return { done: counts.scored, failed: counts.failed, notAttempted: counts.not_judged };
    },
  },
  {
    name: "synth",
    args: (fx) => ["synth", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", fx.endpoint, "--model", "m", "--out", join(fx.dir, "synth.jsonl"), "--json"],
    out: (dir) => join(dir, "synth.jsonl"),
    state: ({ synth }) => ({ done: (synth.written as { total: number }).total, failed: synth.failed as number, notAttempted: synth.not_attempted as number }),
  },
];

/** Endpoints that can never answer: a refused connection, and a port fetch will not connect to. */
const ENDPOINTS: { name: string; url: () => Promise<string>; message: (url: string) => RegExp }[] = [
  {
    name: "a refused connection (a closed port)",
    url: async () => `http://127.0.0.1:${await refusedPort()}/v1`,
    message: (url) => new RegExp(`^error: run stopped: cannot reach ${url.replace(/[./]/g, "\\$&")} \\(ECONNREFUSED\\): is the server running and the URL right\\?$`),
  },
  {
    // Port 9 (discard) is one fetch never connects to ("bad port"): the endpoint of the issue.
    name: "a bad port (9)",
    url: () => Promise.resolve("http://127.0.0.1:9/v1"),
    message: () => /^error: run stopped: cannot reach http:\/\/127\.0\.0\.1:9\/v1: port 9 is one that fetch refuses to connect to/,
  },
];

for (const command of COMMANDS) {
  for (const endpoint of ENDPOINTS) {
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
