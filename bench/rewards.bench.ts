// Reward scoring throughput: the same 100,000 completions scored by the TypeScript scorer and by
// the emitted Python plugin (VLM-R1 target, called as the trainer calls it: micro-batches of 8,
// message-list completions), in one run:
//  - scoring only: records parsed up front, CPU time of the scoring loop (best of several), in a
//    Node child (dist/rewards/score.js) and a python3 child; this is the goal's ratio;
//  - end to end: `facial-r1 rewards score --json` (the built CLI) against a Python script that
//    reads the JSONL, scores and prints one JSON line per completion (wall time, start-up included).
// The two end-to-end outputs are compared line by line: parity at scale. Goal: TypeScript >= 5x.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, bestOf, measureNode, recordResults, table, type Measurement } from "./lib.js";

const CLI = "dist/cli/main.js";
const RUNS = 3;
const COUNT = 100_000;
const FILE = join(DATA_DIR, "rewards-100k.jsonl");
const PY_DRIVER = join(DATA_DIR, "score_with_plugin.py");
const PY_LOOP = join(DATA_DIR, "score_loop_plugin.py");
const TS_LOOP = join(DATA_DIR, "score_loop_ts.mjs");
const PLUGIN_DIR = join(ROOT, "plugins", "vlm-r1");

const EMOTIONS = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];
const AUS = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43];
const PHRASES = ["the inner brows rise", "lip corners are pulled up", "cheeks lift", "the jaw drops", "lids tighten", "the nose wrinkles"];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Completions like a policy's rollouts: mostly well-formed, some sloppy, a few broken. */
function generate(): void {
  if (existsSync(FILE)) return;
  mkdirSync(DATA_DIR, { recursive: true });
  const rand = lcg(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const lines: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const truth = AUS.filter(() => rand() < 0.15).map((n) => `AU${n}`);
    const predicted = AUS.filter(() => rand() < 0.15);
    const label = pick(EMOTIONS);
    const think = predicted.map((n) => `${pick(PHRASES)} (AU${n})`).join(", ") + `. Overall the face suggests ${pick(EMOTIONS)}.`;
    const answer = rand() < 0.5 ? label : pick([...EMOTIONS, "Happiness", "sad."]);
    const shape = rand();
    const completion =
      shape < 0.8
        ? `<think>${think}</think>\n<answer>${answer}</answer>`
        : shape < 0.9
          ? `<think>${think}</think>\n<answer>${answer}</answer>\n`
          : shape < 0.95
            ? `${think} ${answer}`
            : `<think>${think}`;
    lines.push(JSON.stringify({ completion, AUs: truth, labels: [label] }));
  }
  writeFileSync(`${FILE}.tmp`, `${lines.join("\n")}\n`);
  renameSync(`${FILE}.tmp`, FILE);
}

const DRIVER = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
from facial_r1_rewards import REWARD_FUNCS
fmt, acc, au = REWARD_FUNCS["format"], REWARD_FUNCS["accuracy"], REWARD_FUNCS["au"]
out = sys.stdout
batch = []
def flush():
    completions = [[{"role": "assistant", "content": r["completion"]}] for r in batch]
    aus = [r.get("AUs") for r in batch]
    labels = [r.get("labels") for r in batch]
    f = fmt(completions, AUs=aus, labels=labels, solution=None)
    a = acc(completions, solution=None, AUs=aus, labels=labels)
    u = au(completions, AUs=aus, labels=labels, solution=None)
    out.write("".join(json.dumps({"format": x, "accuracy": y, "au": z, "total": x + y + z}) + "\n" for x, y, z in zip(f, a, u)))
    batch.clear()
with open(sys.argv[2], encoding="utf-8") as fh:
    for line in fh:
        if line.strip():
            batch.append(json.loads(line))
            if len(batch) == 8:
                flush()
if batch:
    flush()
`;

/** Scoring loop only, CPU seconds of the best of 3, both languages (prints "seconds checksum"). */
const PY_LOOP_SOURCE = String.raw`
import json, sys, time
sys.path.insert(0, sys.argv[1])
from facial_r1_rewards import REWARD_FUNCS
fmt, acc, au = REWARD_FUNCS["format"], REWARD_FUNCS["accuracy"], REWARD_FUNCS["au"]
with open(sys.argv[2], encoding="utf-8") as fh:
    recs = [json.loads(line) for line in fh if line.strip()]
best = None
for _ in range(3):
    start = time.process_time()
    total = 0.0
    for i in range(0, len(recs), 8):
        batch = recs[i:i + 8]
        completions = [[{"role": "assistant", "content": r["completion"]}] for r in batch]
        aus = [r.get("AUs") for r in batch]
        labels = [r.get("labels") for r in batch]
        f = fmt(completions, AUs=aus, labels=labels, solution=None)
        a = acc(completions, solution=None, AUs=aus, labels=labels)
        u = au(completions, AUs=aus, labels=labels, solution=None)
        for x, y, z in zip(f, a, u):
            total += x + y + z
    elapsed = time.process_time() - start
    best = elapsed if best is None else min(best, elapsed)
print(best, total)
`;

const TS_LOOP_SOURCE = `
import { readFileSync } from "node:fs";
import { scoreCompletion } from ${JSON.stringify(join(ROOT, "dist", "rewards", "score.js"))};
const recs = readFileSync(process.argv[2], "utf8").split("\\n").filter(Boolean).map((l) => JSON.parse(l));
let best = Infinity;
let total = 0;
for (let run = 0; run < 5; run++) {
  const start = process.cpuUsage();
  total = 0;
  for (const r of recs) total += scoreCompletion(r.completion, r).total;
  const used = process.cpuUsage(start);
  best = Math.min(best, (used.user + used.system) / 1e6);
}
console.log(best, total);
`;

function measurePython(args: string[]): Promise<Measurement> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn("python3", args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      done({ seconds, peakRssMiB: Number.NaN, exitCode: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}

function parseLines(text: string): number[][] {
  return text
    .trim()
    .split("\n")
    .map((l) => {
      const o = JSON.parse(l) as Record<string, number>;
      return [o.format, o.accuracy, o.au, o.total];
    });
}

async function main(): Promise<void> {
  generate();
  writeFileSync(PY_DRIVER, DRIVER);
  writeFileSync(PY_LOOP, PY_LOOP_SOURCE);
  writeFileSync(TS_LOOP, TS_LOOP_SOURCE);
  const tsLoop = await measureNode([TS_LOOP, FILE]);
  const pyLoop = await measurePython([PY_LOOP, PLUGIN_DIR, FILE]);
  if (tsLoop.exitCode !== 0 || pyLoop.exitCode !== 0) throw new Error(`scoring loop failed: ${tsLoop.stderr}${pyLoop.stderr}`);
  const [tsLoopSeconds, tsSum] = tsLoop.stdout.trim().split(" ").map(Number);
  const [pyLoopSeconds, pySum] = pyLoop.stdout.trim().split(" ").map(Number);
  const ts = await bestOf(RUNS, () => measureNode([CLI, "rewards", "score", FILE, "--json"]));
  const py = await bestOf(RUNS, () => measurePython([PY_DRIVER, PLUGIN_DIR, FILE]));
  const a = parseLines(ts.stdout);
  const b = parseLines(py.stdout);
  let differing = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (!a[i] || !b[i] || a[i].some((x, k) => !Object.is(x, b[i][k]))) differing++;
  }
  const rate = (seconds: number) => Math.round(COUNT / seconds).toLocaleString("en-US");
  const loopRatio = pyLoopSeconds / tsLoopSeconds;
  const e2eRatio = py.seconds / ts.seconds;
  const markdown = [
    "## rewards: TypeScript scorer vs emitted Python plugin",
    "",
    `${COUNT.toLocaleString("en-US")} completions (80% well-formed, the rest sloppy or cut off); format + accuracy + AU each.`,
    "Python: plugins/vlm-r1/facial_r1_rewards.py called as VLM-R1 calls it (micro-batches of 8, message lists).",
    "Scoring only = CPU seconds of the scoring loop over pre-parsed records (best of 5 TS / 3 Python);",
    `end to end = wall seconds of read JSONL + score + print one JSON line each (best of ${RUNS}, start-up included).`,
    "",
    table(
      ["measure", "TypeScript s", "TypeScript completions/s", "Python s", "Python completions/s", "TypeScript vs Python"],
      [
        ["scoring only (CPU)", tsLoopSeconds.toFixed(3), rate(tsLoopSeconds), pyLoopSeconds.toFixed(3), rate(pyLoopSeconds), `${loopRatio.toFixed(1)}x`],
        ["end to end (`rewards score --json`, wall)", ts.seconds.toFixed(2), rate(ts.seconds), py.seconds.toFixed(2), rate(py.seconds), `${e2eRatio.toFixed(1)}x`],
      ],
    ),
    "",
    `Goal TypeScript >= 5x Python (scoring throughput): ${loopRatio >= 5 ? "met" : "NOT met"} (${loopRatio.toFixed(1)}x; end to end ${e2eRatio.toFixed(1)}x).`,
    `Lines whose four values differ between the two end-to-end outputs: ${differing} of ${COUNT.toLocaleString("en-US")}; loop checksums ${tsSum.toFixed(6)} / ${pySum.toFixed(6)}.`,
  ].join("\n");
  console.error(markdown);
  recordResults("rewards", markdown);
  if (differing > 0) process.exitCode = 1;
}

await main();
