// eval infer throughput against the OpenAI stand-in with a fixed 200 ms latency and 32 requests
// in flight: the bound is 32 / 0.2 s = 160 requests/s; the goal is >= 90% of it.
// Baselines measured in the same run: the stand-in driven by a bare fetch loop (what the
// machine and server allow), and the CLI's fixed cost (start-up, reading the files) from a
// rerun that finds every record done.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bareFetchRate } from "./bare-fetch.js";
import { DATA_DIR, bestOf, measureNode, recordResults, table } from "./lib.js";
import { startOpenAiStandIn } from "../tests/servers/openai-stand-in.js";
import { writeInferFixture } from "../tests/eval-remote/fixtures.js";

const RECORDS = 3200;
const CONCURRENCY = 32;
const LATENCY_MS = 200;
const BOUND = CONCURRENCY / (LATENCY_MS / 1000);

const dir = join(DATA_DIR, "eval-infer");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const fx = await writeInferFixture(dir, RECORDS);
const server = await startOpenAiStandIn({ latencyMs: LATENCY_MS });

try {
  const bare = (tag: string) => bareFetchRate({ url: server.url, requests: RECORDS / 2, concurrency: CONCURRENCY, tag });
  const raw = Math.max(await bare("raw-0"), await bare("raw-1"));

  const out = join(dir, "pred.jsonl");
  const args = ["dist/cli/main.js", "eval", "infer", "--dataset", fx.dataset, "--images", fx.images, "--endpoint", server.url, "--model", "stand-in"];
  const run = await bestOf(2, async () => {
    rmSync(out, { force: true });
    return measureNode([...args, "--out", out, "--concurrency", String(CONCURRENCY)]);
  });
  if (run.exitCode !== 0) throw new Error(`eval infer failed: ${run.stderr.slice(-2000)}`);
  const fixed = await bestOf(2, () => measureNode([...args, "--out", out, "--concurrency", String(CONCURRENCY)]));

  const achieved = RECORDS / run.seconds;
  const steady = RECORDS / Math.max(run.seconds - fixed.seconds, 1e-3);
  const rows = [
    ["bound: 32 in flight / 0.2 s", BOUND.toFixed(1), "100%", "-"],
    ["bare `fetch` loop, 32 in flight (baseline, best of 2)", raw.toFixed(1), pct(raw / BOUND), "-"],
    ["`eval infer --concurrency 32`, wall time incl. start-up (best of 2)", achieved.toFixed(1), pct(achieved / BOUND), `${run.seconds.toFixed(2)} s, ${run.peakRssMiB.toFixed(0)} MiB`],
    ["`eval infer`, excluding fixed cost (rerun with all done)", steady.toFixed(1), pct(steady / BOUND), `fixed ${fixed.seconds.toFixed(2)} s`],
  ];
  const verdict = (x: number) => (x / BOUND >= 0.9 ? "met" : "not met");
  const markdown = [
    "## eval-infer",
    "",
    `${RECORDS} records (a 2x2 PNG each) through \`facial-r1 eval infer\` against the local OpenAI stand-in answering ${LATENCY_MS} ms after each request arrives, ${CONCURRENCY} requests in flight. Goal: >= 90% of the bound: ${verdict(steady)} for the request rate while running, ${verdict(achieved)} for wall time including start-up. The bare \`fetch\` loop shows what the machine and the stand-in allow.`,
    "",
    table(["run", "requests/s", "of bound", "notes"], rows),
  ].join("\n");
  recordResults("eval-infer", markdown);
  console.error(markdown);
} finally {
  await server.close();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
