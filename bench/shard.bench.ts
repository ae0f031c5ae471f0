// `data shard` and `data split` on 1,000,000 generated records: wall time and peak RSS,
// against a plain readline + JSON.parse loop over the same file measured in the same run
// (sharding reads the input twice: the first read parses and checks every record, the second
// copies lines without parsing them).
// A 100k-record prefix shows that memory does not grow with the input.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { DATA_DIR, bestOf, measureNode, recordResults, table, type Measurement } from "./lib.js";
import { SeededRandom } from "../src/data/seeded-random.js";

const CLI = "dist/cli/main.js";
const RUNS = 2;
const BIG = 1_000_000;
const SMALL = 100_000;

const LABELS = ["happiness", "happiness", "happiness", "neutral", "neutral", "sadness", "surprise", "anger", "fear", "disgust", "contempt"];
const AUS = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43];
const DATASETS = ["rafdb", "fer2013", "affectnet", "disfa", "bp4d"];
const PHRASES = [
  "the inner brows are raised and drawn together",
  "the lip corners are pulled up and the cheeks lift",
  "the upper lids rise while the jaw drops",
  "the nose wrinkles and the upper lip is raised",
  "the brows are lowered, creating vertical furrows",
  "the lips are pressed firmly together",
];

/** Realistic records (about 450 bytes each), the same on every run; written once and reused. */
function generate(path: string, count: number): void {
  if (existsSync(path)) return;
  const random = new SeededRandom("bench-shard");
  const fd = openSync(`${path}.tmp`, "w");
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const aus = AUS.filter(() => random.below(6) === 0).map((n) => `AU${n}`);
    const label = random.pick(LABELS);
    const dataset = DATASETS[i % DATASETS.length];
    const sentences = Array.from({ length: 2 + random.below(3) }, () => random.pick(PHRASES));
    chunk.push(
      JSON.stringify({
        id: `${dataset}_${String(i).padStart(8, "0")}`,
        dataset,
        image: `${dataset}/train/${String(i % 50_000).padStart(6, "0")}.jpg`,
        question: "What emotion does this face show? Describe the facial action units you observe, then answer with one word.",
        AUs: aus,
        labels: [label],
        description: `${sentences.join(", ")} (${aus.join(", ") || "no clear action units"}), which together suggest ${label}.`,
        meta_info: { source: `${dataset}/labels.csv`, row: i, subject: `${dataset}-S${String(random.below(400)).padStart(3, "0")}` },
      }),
    );
    if (chunk.length === 10_000) {
      writeSync(fd, `${chunk.join("\n")}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) writeSync(fd, `${chunk.join("\n")}\n`);
  closeSync(fd);
  renameSync(`${path}.tmp`, path);
}

const BASELINE = `
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
let n = 0;
const rl = createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity });
for await (const line of rl) { if (line.length > 0) { JSON.parse(line); n++; } }
console.log(n);
`;

async function main(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const big = join(DATA_DIR, "shard-1m.jsonl");
  const small = join(DATA_DIR, "shard-100k.jsonl");
  const baselineScript = join(DATA_DIR, "shard-readline-baseline.mjs");
  const out = join(DATA_DIR, "shard-out");
  writeFileSync(baselineScript, BASELINE);
  console.error("generating inputs (reused between runs) ...");
  generate(big, BIG);
  generate(small, SMALL);
  const bigBytes = statSync(big).size;
  const smallBytes = statSync(small).size;

  const rows: (string | number)[][] = [];
  const measure = async (label: string, records: number, args: string[], baseline?: Measurement): Promise<Measurement> => {
    console.error(`measuring ${label} ...`);
    const m = await bestOf(RUNS, async () => {
      rmSync(out, { recursive: true, force: true });
      return measureNode(args);
    });
    if (m.exitCode !== 0) throw new Error(`${label} exited ${m.exitCode}: ${m.stderr.slice(-1000)}`);
    rows.push([
      label,
      `${m.seconds.toFixed(2)} s`,
      Math.round(records / m.seconds).toLocaleString("en-US"),
      baseline ? `${(m.seconds / baseline.seconds).toFixed(2)}x` : "1.00x",
      m.peakRssMiB.toFixed(0),
    ]);
    return m;
  };

  const loadBefore = loadavg()[0];
  const base = await measure("baseline: readline + JSON.parse, 1M", BIG, [baselineScript, big]);
  await measure("data shard --shards 16, 1M", BIG, [CLI, "data", "shard", big, "--out", out, "--shards", "16"], base);
  await measure("data shard --shards 16 --stratify labels, 1M", BIG, [CLI, "data", "shard", big, "--out", out, "--shards", "16", "--stratify", "labels"], base);
  await measure("data shard --shard-size 5000 (200 shards: 3 reads), 1M", BIG, [CLI, "data", "shard", big, "--out", out, "--shard-size", "5000"], base);
  await measure(
    "data split --ratios 0.8,0.1,0.1 --group-by meta_info.subject, 1M",
    BIG,
    [CLI, "data", "split", big, "--out", out, "--ratios", "0.8,0.1,0.1", "--group-by", "meta_info.subject"],
    base,
  );
  const baseSmall = await measure("baseline: readline + JSON.parse, 100k", SMALL, [baselineScript, small]);
  await measure("data shard --shards 16 --stratify labels, 100k", SMALL, [CLI, "data", "shard", small, "--out", out, "--shards", "16", "--stratify", "labels"], baseSmall);
  rmSync(out, { recursive: true, force: true });

  const markdown = [
    `### data shard / data split`,
    ``,
    `${BIG.toLocaleString("en-US")} generated records (${(bigBytes / 1e6).toFixed(0)} MB) and ${SMALL.toLocaleString("en-US")} (${(smallBytes / 1e6).toFixed(0)} MB). Best of ${RUNS}; "vs baseline" = command time / baseline time on the same file (the command reads the input twice: the first read parses and checks every record, the second copies, hashes and writes the lines without parsing them; more than 128 outputs take one more read per 128). Whole process wall time, start-up included. Peak RSS should not grow with the input beyond about 20 bytes per record (the per-record ids and the assignment).`,
    ``,
    table(["command", "time", "records/s", "vs baseline", "peak RSS MiB"], rows),
    ``,
    `Load average (1 min) at the start and end of the run: ${loadBefore.toFixed(1)} / ${loadavg()[0].toFixed(1)}; on a busy machine the ratios move too, so compare runs made at similar load.`,
  ].join("\n");
  console.error(markdown);
  recordResults("shard", markdown);
}

await main();
