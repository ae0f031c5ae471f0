// facial-r1 synth throughput against the OpenAI stand-in with a fixed 200 ms latency, 32 records
// in flight and 20% of the records needing one correction (a second, sequential request). The
// bound is 32 / 0.2 s = 160 requests/s. Baselines measured in the same run: the stand-in driven
// by a bare fetch loop (what the machine and server allow), and the CLI's fixed cost (start-up,
// reading the files) from a rerun that finds every record done.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bareFetchRate } from "./bare-fetch.js";
import { DATA_DIR, bestOf, measureNode, recordResults, table } from "./lib.js";
import { startOpenAiStandIn, type SynthMistake } from "../tests/servers/openai-stand-in.js";
import { synthArgs, writeSynthFixture } from "../tests/synth/fixtures.js";

const RECORDS = 1600;
const CONCURRENCY = 32;
const LATENCY_MS = 200;
const BOUND = CONCURRENCY / (LATENCY_MS / 1000);
const CORRECTED_FRACTION = 0.2;

const dir = join(DATA_DIR, "synth");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const fx = await writeSynthFixture(dir, RECORDS);
// Items are numbered syn-00000 ...: every fifth one gets its AU set wrong on the first attempt.
const mistakes = (item: string): SynthMistake | undefined => (Number(item.slice(4)) % 5 === 0 ? { kinds: ["au"], attempts: 1 } : undefined);
const server = await startOpenAiStandIn({ latencyMs: LATENCY_MS, synthesis: { mistakes } });

try {
  const raw = await bareFetchRate({ url: server.url, requests: 1600, concurrency: CONCURRENCY, tag: "raw" });
  const args = ["dist/cli/main.js", ...synthArgs({ ...fx, url: server.url }, ["--concurrency", String(CONCURRENCY), "--json"])];
  const run = await bestOf(2, async () => {
    rmSync(fx.out, { force: true });
    return measureNode(args);
  });
  if (run.exitCode !== 0) throw new Error(`synth failed: ${run.stderr.slice(-2000)}`);
  const summary = JSON.parse(run.stdout).synth as { requests: number; written: { valid_first_try: number; valid_after_corrections: Record<string, number> } };
  const corrected = summary.written.valid_after_corrections["1"] ?? 0;
  if (corrected !== RECORDS * CORRECTED_FRACTION || summary.requests !== RECORDS + corrected) {
    throw new Error(`unexpected run: ${JSON.stringify(summary)}`);
  }
  const fixed = await bestOf(2, () => measureNode(args));

  const achieved = summary.requests / run.seconds;
  const steady = summary.requests / Math.max(run.seconds - fixed.seconds, 1e-3);
  const rows = [
    ["bound: 32 in flight / 0.2 s", BOUND.toFixed(1), "100%", "-"],
    ["bare `fetch` loop, 32 in flight (baseline)", raw.toFixed(1), pct(raw / BOUND), "-"],
    [
      "`synth --concurrency 32`, wall time incl. start-up (best of 2)",
      achieved.toFixed(1),
      pct(achieved / BOUND),
      `${summary.requests} requests for ${RECORDS} records, ${run.seconds.toFixed(2)} s, ${run.peakRssMiB.toFixed(0)} MiB`,
    ],
    ["`synth`, excluding fixed cost (rerun with all done)", steady.toFixed(1), pct(steady / BOUND), `fixed ${fixed.seconds.toFixed(2)} s`],
  ];
  const markdown = [
    "## synth",
    "",
    `${RECORDS} records (a 2x2 PNG each) through \`facial-r1 synth\` against the local OpenAI stand-in answering ${LATENCY_MS} ms after each request arrives, ${CONCURRENCY} records in flight, ${CORRECTED_FRACTION * 100}% of the records failing the quality check once (one correction request each, sent after the first answer). Requests/s counts first attempts and corrections. The bare \`fetch\` loop shows what the machine and the stand-in allow.`,
    "",
    table(["run", "requests/s", "of bound", "notes"], rows),
  ].join("\n");
  recordResults("synth", markdown);
  console.error(markdown);
} finally {
  await server.close();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
