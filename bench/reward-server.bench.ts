// The reward server (`rewards serve`, built CLI) under load over loopback: completions/s and
// p50/p99 latency of POST /get_reward at batch 1 and 64, against a trivial node:http server
// that reads the same bodies and returns a constant reply (the transport ceiling), measured in
// the same run. Goal: >= 20k completions/s batched with p99 < 10 ms on 2 cores.
// Then the same reward written in TypeScript (defineReward + serveRewards, the public API)
// beside the built-in one at POST /v1/score, on the same items.
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ROOT, recordResults, table } from "./lib.js";

const CLI = join(ROOT, "dist", "cli", "main.js");
const WARMUP_MS = 1_000;
const MEASURE_MS = 5_000;
const MAX_REQUESTS = 200_000;
/** Batch size and concurrent keep-alive connections of each measured point. */
const POINTS = [
  { batch: 1, connections: 4 },
  { batch: 64, connections: 4 },
  { batch: 64, connections: 1 },
];

const PROMPT =
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>" +
  "Analyze the facial expression. First identify the active Action Units (AU1..AU43) inside <think></think>, then answer with one of: anger, disgust, fear, happiness, neutral, sadness, surprise inside <answer></answer>.<|im_end|>\n<|im_start|>assistant\n";
const EMOTIONS = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];
const AUS = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU12", "AU15", "AU17", "AU25", "AU26"];

/** A deterministic, realistic OpenRLHF batch: correct, wrong, unformatted and truncated responses. */
function batchBody(size: number): string {
  const query: string[] = [];
  const prompts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < size; i++) {
    const truth = EMOTIONS[i % EMOTIONS.length];
    const said = i % 3 === 0 ? EMOTIONS[(i + 1) % EMOTIONS.length] : truth;
    const aus = [AUS[i % AUS.length], AUS[(i * 3 + 1) % AUS.length]];
    const reasoning = `The inner brows are raised (${aus[0]}) and the lip corners move (${aus[1]}); the cheeks lift slightly and the eyes narrow, which together point to ${said}.`;
    const response =
      i % 5 === 4 ? `I think the person feels ${said}.` : i % 7 === 6 ? `<think>${reasoning}` : `<think>${reasoning}</think>\n<answer>${said}</answer>`;
    query.push(`${PROMPT}${response}<|im_end|>`);
    prompts.push(PROMPT);
    labels.push(JSON.stringify({ AUs: [aus[0], AUS[(i + 2) % AUS.length]], labels: [truth] }));
  }
  return JSON.stringify({ query, prompts, labels });
}

/** The same items as a /v1/score (and TS-defined reward) body: `[{completion, AUs, labels}]`. */
function scoreBody(size: number): string {
  const { query, prompts, labels } = JSON.parse(batchBody(size)) as { query: string[]; prompts: string[]; labels: string[] };
  return JSON.stringify(query.map((q, i) => ({ completion: q.slice(prompts[i].length).replace(/<\|im_end\|>$/, ""), ...JSON.parse(labels[i]) })));
}

/** The paper's reward (format + accuracy + AU), written as a user would with the public API. */
const TS_REWARD_SERVER = `
import { defineReward, scoreCompletion, serveRewards } from "facial-r1/rewards";
const facialR1 = defineReward({
  name: "facial_r1",
  range: [-1, 3],
  score: ({ completion, AUs, labels }) => scoreCompletion(completion, { AUs, labels }).total,
});
const server = await serveRewards({ rewards: [facialR1], port: 0 });
console.log(JSON.stringify({ url: server.url }));
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
`;

const BASELINE_SERVER = `
import { createServer } from "node:http";
const reply = JSON.stringify({ rewards: [0], scores: [0], extra_logs: {} });
const server = createServer({ keepAlive: true }, (req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(reply) });
    res.end(reply);
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FACIAL_R1_QUIET: "1" } });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl !== -1) resolve({ child, url: (JSON.parse(out.slice(0, nl)) as { url: string }).url });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
}

function post(url: string, body: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.on("data", () => {});
      res.on("end", () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface LoadResult {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** `connections` closed-loop clients on one keep-alive agent, bounded by time and request count. */
async function load(url: string, body: string, connections: number, durationMs: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  const worker = async () => {
    while (Date.now() < deadline && latencies.length < MAX_REQUESTS) {
      const t0 = process.hrtime.bigint();
      await post(url, body, agent);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { requests: latencies.length, seconds, p50: at(0.5), p99: at(0.99) };
}

/** Throughput of a load result. */
const rate = (r: LoadResult, batch: number) => (r.requests * batch) / r.seconds;

const RUNS = 2;
const targets = [
  { name: "constant node:http", args: ["--input-type=module", "-e", BASELINE_SERVER] },
  { name: "rewards serve", args: [CLI, "rewards", "serve", "--port", "0", "--json"] },
  { name: "TS-defined reward", args: ["--input-type=module", "-e", TS_REWARD_SERVER] },
];
/** Built-in /v1/score against the TS-defined reward, same items, same batch and connections. */
const SCORE_POINTS = [
  { batch: 64, connections: 4 },
  { batch: 64, connections: 1 },
];
const running = await Promise.all(targets.map((t) => start(t.args)));
const best = [new Map<number, LoadResult>(), new Map<number, LoadResult>()];
const scoreBest = [new Map<number, LoadResult>(), new Map<number, LoadResult>()];

/** Measures each (server, path) on `body`, alternating, keeping each one's best run in `into`. */
async function measure(servers: { index: number; path: string }[], body: string, batch: number, connections: number, into: Map<number, LoadResult>[], point: number): Promise<void> {
  for (let run = 0; run < RUNS; run++) {
    for (const [slot, { index, path }] of servers.entries()) {
      const url = `${running[index].url}${path}`;
      await load(url, body, connections, WARMUP_MS);
      const r = await load(url, body, connections, MEASURE_MS);
      console.error(`${targets[index].name} ${path} batch ${batch} x${connections}: ${Math.round(rate(r, batch))} completions/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
      const previous = into[slot].get(point);
      if (!previous || rate(r, batch) > rate(previous, batch)) into[slot].set(point, r);
    }
  }
}

const loadBefore = loadavg()[0];
try {
  for (const [index, { batch, connections }] of POINTS.entries()) {
    // Alternate the servers so that all see the same machine.
    const servers = [
      { index: 0, path: "/get_reward" },
      { index: 1, path: "/get_reward" },
    ];
    await measure(servers, batchBody(batch), batch, connections, best, index);
  }
  for (const [index, { batch, connections }] of SCORE_POINTS.entries()) {
    const servers = [
      { index: 1, path: "/v1/score" },
      { index: 2, path: "/v1/rewards/facial_r1" },
    ];
    await measure(servers, scoreBody(batch), batch, connections, scoreBest, index);
  }
} finally {
  for (const { child } of running) child.kill("SIGTERM");
  await Promise.all(running.map(({ child }) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)))));
}
const loadAfter = loadavg()[0];
const [baseline, server] = best;

/** Table rows of each point: every server's result beside the first one's (the reference). */
function resultRows(points: { batch: number; connections: number }[], servers: [string, Map<number, LoadResult>][]): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const [index, { batch, connections }] of points.entries()) {
    const referenceCps = rate(servers[0][1].get(index)!, batch);
    for (const [name, results] of servers) {
      const r = results.get(index)!;
      const cps = rate(r, batch);
      rows.push([name, batch, connections, r.requests, Math.round(cps).toLocaleString("en-US"), r.p50.toFixed(2), r.p99.toFixed(2), `${((cps / referenceCps) * 100).toFixed(0)}%`]);
    }
  }
  return rows;
}

const rows = resultRows(POINTS, [
  ["constant node:http (baseline)", baseline],
  ["facial-r1 rewards serve", server],
]);
const verdicts: string[] = [];
for (const [index, { batch, connections }] of POINTS.entries()) {
  if (batch === 1) continue;
  const r = server.get(index)!;
  const met = rate(r, batch) >= 20_000 && r.p99 < 10;
  verdicts.push(`batch ${batch} over ${connections} connection(s) **${met ? "met" : "not met"}** (${Math.round(rate(r, batch)).toLocaleString("en-US")} completions/s, p99 ${r.p99.toFixed(2)} ms)`);
}

const [builtIn, tsDefined] = scoreBest;
const scoreRows = resultRows(SCORE_POINTS, [
  ["built-in rewards (rewards serve, POST /v1/score)", builtIn],
  ["TS-defined reward (serveRewards, POST /v1/rewards/facial_r1)", tsDefined],
]);

recordResults(
  "reward-server",
  `## reward server (\`rewards serve\`, POST /get_reward)

Loopback; N keep-alive connections in a closed loop from a Node load generator in a separate process,
${MEASURE_MS / 1000} s per point after ${WARMUP_MS / 1000} s warm-up, best of ${RUNS} alternating runs; realistic Qwen2.5-VL chat-template queries (~560 bytes each).
The baseline is a node:http server that reads the same bodies and answers a constant reply: the transport ceiling.
Machine load average (1 min) ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after: on a shared machine p99 mostly measures the neighbours.

${table(["server", "batch", "connections", "requests", "completions/s", "p50 ms", "p99 ms", "of baseline"], rows)}

Goal (>= 20,000 completions/s batched with p99 < 10 ms): ${verdicts.join("; ")}.

A reward written in TypeScript with the public API (\`defineReward\` calling \`scoreCompletion\`, served by \`serveRewards\`: the route the emitted remote-reward plugins call from every trainer) beside the same reward built in, on the same items (\`[{completion, AUs, labels}]\`), measured in the same run:

${table(["server", "batch", "connections", "requests", "completions/s", "p50 ms", "p99 ms", "of built-in"], scoreRows)}`,
);
