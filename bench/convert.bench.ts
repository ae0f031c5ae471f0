// `facial-r1 data convert --from fer2013` on a FER2013-sized CSV (35,887 rows, generated), against
// only parsing the same CSV (same reader and pixel parser, nothing written) in the same run.
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { availableParallelism, loadavg } from "node:os";
import { DATA_DIR, bestOf, measureNode, recordResults, table, type Measurement } from "./lib.js";

const ROWS = 35_887;
// FER2013's own proportions: Training 28,709, PublicTest 3,589, PrivateTest 3,589.
const USAGE = [
  { name: "Training", rows: 28_709 },
  { name: "PublicTest", rows: 3_589 },
  { name: "PrivateTest", rows: 3_589 },
];
const RUNS = 2;

async function generate(file: string): Promise<void> {
  if (existsSync(file)) return;
  mkdirSync(DATA_DIR, { recursive: true });
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  out.write("emotion,pixels,Usage\n");
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  let row = 0;
  for (const usage of USAGE) {
    for (let i = 0; i < usage.rows; i++, row++) {
      // Smooth face-like gradients plus noise: compresses like real photos, not like random bytes.
      const px = new Array<number>(2304);
      const base = next() % 128;
      for (let p = 0; p < 2304; p++) px[p] = (base + ((p % 48) + (p >> 6)) * 2 + (next() % 24)) & 255;
      if (!out.write(`${row % 7},${px.join(" ")},${usage.name}\n`)) await once(out, "drain");
    }
  }
  out.end();
  await once(out, "finish");
  renameSync(tmp, file);
}

const PARSE_ONLY = `
import { readCsvRows } from "./dist/data/convert/csv.js";
import { parsePixels } from "./dist/data/convert/fer2013.js";
let rows = 0, bad = 0;
for await (const row of readCsvRows(process.argv[1])) {
  if (row.kind !== "row") { bad++; continue; }
  if (rows++ === 0) continue;
  if (typeof parsePixels(row.fields[1]) === "string") bad++;
}
process.stdout.write(JSON.stringify({ rows: rows - 1, bad }));
`;

async function main(): Promise<void> {
  const csv = join(DATA_DIR, `fer2013-${ROWS}.csv`);
  await generate(csv);
  const work = join(DATA_DIR, "convert-bench");
  const convert = (concurrency?: number) => async (): Promise<Measurement> => {
    rmSync(work, { recursive: true, force: true });
    const args = ["dist/cli/main.js", "data", "convert", "--from", "fer2013", "--input", csv, "--images-out", join(work, "images"), "--out", join(work, "fer2013.jsonl"), "--json"];
    if (concurrency !== undefined) args.push("--concurrency", String(concurrency));
    const m = await measureNode(args);
    const summary = JSON.parse(m.stdout) as { converted: number; images_written: number };
    if (m.exitCode !== 0 || summary.converted !== ROWS || summary.images_written !== ROWS) throw new Error(`convert failed: ${m.stderr.slice(-1000)}`);
    return m;
  };

  const parse = await bestOf(RUNS, async () => {
    const m = await measureNode(["--input-type=module", "-e", PARSE_ONLY, csv]);
    const result = JSON.parse(m.stdout) as { rows: number; bad: number };
    if (result.rows !== ROWS || result.bad !== 0) throw new Error(`parse-only read ${m.stdout}`);
    return m;
  });
  const serial = await bestOf(RUNS, convert(1));
  const full = await bestOf(RUNS, convert());
  rmSync(work, { recursive: true, force: true });

  const mb = statSync(csv).size / 1e6;
  const row = (name: string, m: Measurement) => [
    name,
    m.seconds.toFixed(2),
    Math.round(ROWS / m.seconds),
    (m.seconds / parse.seconds).toFixed(2),
    m.peakRssMiB.toFixed(0),
  ];
  const markdown = [
    "## data convert (fer2013)",
    "",
    `${ROWS.toLocaleString("en")} rows (${mb.toFixed(0)} MB generated CSV); every row becomes a record and a 48x48 grayscale PNG.`,
    `Best of ${RUNS}; ratio = time / parse-only time measured in the same run. Machine: ${availableParallelism()} cores.`,
    "",
    table(
      ["run", "seconds", "rows/s", "x parse-only", "peak RSS MiB"],
      [
        row("parse only (CSV reader + pixel parser, nothing written)", parse),
        row("convert, image jobs one at a time (--concurrency 1)", serial),
        row(`convert, default (${availableParallelism() * 8} image jobs in flight)`, full),
      ],
    ),
    "",
    "Rows are streamed and only the image jobs in flight are held in memory; PNGs are deflated and",
    "written on worker threads while the main thread parses, which is where the second core helps.",
    `Load average when the run ended: ${loadavg()[0].toFixed(1)} (shared machine; compare ratios, not seconds).`,
  ].join("\n");
  recordResults("convert", markdown);
  process.stderr.write(`${markdown}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
