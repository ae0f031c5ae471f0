// Planning the stage-2 layout (seven data files of 20k records each, every image reference
// checked) against reading the same files once (streamed JSONL parse) in the same run; image
// checks per distinct file against sharp's metadata() on the same files.
// `npm run bench -- plan --scale 10` also runs the layout at ten times the size (1.4M records,
// 140k images) after the 1x rounds of the same run, recorded in its own section (bench:plan-scale)
// with its growth over the 1x figures; the data set is generated once and kept in .bench-data.
// PLAN_BENCH_BEFORE=<checkout of another version, built> adds that version's preflight and plan
// rows, measured in the same rounds (PLAN_BENCH_BEFORE_LABEL names it).
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodePng } from "../src/util/png.js";
import { DATA_DIR, measureNode, recordResults, ROOT, table, type Measurement } from "./lib.js";

const FILES = ["FABA-Train", "BP4D-Train", "DISFA-Train", "RAF-AU-Train", "FER2013-Train", "AffectNet-Train", "RAF-DB-Train"];
const AU_SETS = [["AU1", "AU4", "AU15"], ["AU6", "AU12", "AU25"], [], ["AU1", "AU2", "AU5", "AU26"], ["AU4", "AU7", "AU9", "AU10"]];
const LABELS = ["sadness", "happiness", "neutral", "surprise", "anger"];

interface Layout {
  /** Records per file. */
  records: number;
  /** Distinct image files per folder; records cycle through them (every reference is still checked). */
  images: number;
  dir: string;
}

const ONE: Layout = { records: 20_000, images: 2_000, dir: join(DATA_DIR, "plan") };
const scaled = (factor: number): Layout => ({ records: ONE.records * factor, images: ONE.images * factor, dir: join(DATA_DIR, `plan-${factor}x`) });

const { values: options } = parseArgs({ options: { scale: { type: "string" } } });
const scale = options.scale === undefined ? undefined : Number(options.scale);
if (scale !== undefined && !(Number.isInteger(scale) && scale >= 2)) {
  console.error(`--scale: expected a whole number of at least 2, got ${JSON.stringify(options.scale)}`);
  process.exit(2);
}

function generate(layout: Layout): void {
  const { dir, records, images } = layout;
  const marker = join(dir, `.complete-${records}-${images}`);
  if (existsSync(marker)) return;
  mkdirSync(dir, { recursive: true });
  const image = encodePng(112, 112, new Uint8Array(112 * 112).fill(90));
  for (const name of FILES) {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < images; i++) writeFileSync(join(folder, `${i}.png`), image);
    const file = join(dir, `${name}.jsonl`);
    writeFileSync(file, "");
    for (let start = 0; start < records; start += 10_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(records, start + 10_000); i++) {
        const k = i % AU_SETS.length;
        lines.push(
          JSON.stringify({
            id: `${name}-${i}`,
            dataset: name.toLowerCase(),
            image: `${i % images}.png`,
            question: "As an expert in facial expression analysis, describe the visible Action Units (AUs) of this face and state the emotion they convey.",
            AUs: AU_SETS[k],
            labels: [LABELS[k]],
            description: `The face shows ${AU_SETS[k].join(", ") || "a relaxed face"}; together these movements are characteristic of ${LABELS[k]}, so the expressed emotion is ${LABELS[k]}.`,
            meta_info: { subject: `S${i % 50}`, frame: i },
          }),
        );
      }
      appendFileSync(file, `${lines.join("\n")}\n`);
    }
  }
  writeFileSync(marker, "");
}

/** The other trainers planned from the same layout (EasyR1 trains on one file, so it is left out). */
const OTHER_TARGETS = ["vlm-r1", "trl", "verl", "openrlhf"] as const;
type Target = "facial-r1" | (typeof OTHER_TARGETS)[number];

/** The fork cannot take the records with "AUs": [] (every fifth): the paper's layout leaves them out. */
function writeConfig(layout: Layout, target: Target = "facial-r1"): string {
  const path = join(layout.dir, target === "facial-r1" ? "stage2.yaml" : `stage2-${target}.yaml`);
  writeFileSync(
    path,
    [
      "name: bench-stage2",
      "stage: grpo",
      "model: {path: /models/Qwen2.5-VL-7B-Instruct}",
      target === "facial-r1" ? "trainer: {target: facial-r1, drop_empty_aus: true}" : `trainer: {target: ${target}}`,
      "datasets:",
      ...FILES.map((f) => `  - {file: ${f}.jsonl, images: ${f}}`),
    ].join("\n"),
  );
  return path;
}

const readOnce = (layout: Layout) => `
import { readJsonl } from ${JSON.stringify(join(ROOT, "dist", "data", "jsonl.js"))};
let n = 0;
for (const f of ${JSON.stringify(FILES.map((f) => join(layout.dir, `${f}.jsonl`)))}) for await (const item of readJsonl(f)) if (item.kind === "value") n++;
if (n !== ${FILES.length * layout.records}) throw new Error("read " + n);
`;

/** Checks every distinct image once through the checker preflight and `data validate --images` use; prints the seconds of the checks alone. */
const CHECKS = `
import { ImageChecker } from ${JSON.stringify(join(ROOT, "dist", "data", "images.js"))};
const [dir, folders, images] = [process.argv[1], process.argv[2].split(","), Number(process.argv[3])];
const started = performance.now();
let ok = 0;
for (const folder of folders) {
  const checker = new ImageChecker({ root: dir + "/" + folder });
  const answers = [];
  for (let i = 0; i < images; i++) answers.push(checker.check(i + ".png"));
  for (const a of await Promise.all(answers)) if (a.ok) ok++;
}
const seconds = (performance.now() - started) / 1000;
if (ok !== folders.length * images) throw new Error("checked " + ok);
console.log(seconds);
`;

/** sharp's metadata() on the same files, 16 at a time (libvips reads on its own threads); prints the seconds of the reads alone. */
const SHARP = `
import sharp from "sharp";
const [dir, folders, images] = [process.argv[1], process.argv[2].split(","), Number(process.argv[3])];
const files = folders.flatMap((folder) => Array.from({ length: images }, (_, i) => dir + "/" + folder + "/" + i + ".png"));
await sharp(files[0]).metadata();
const started = performance.now();
let next = 0;
async function worker() { while (next < files.length) await sharp(files[next++]).metadata(); }
await Promise.all(Array.from({ length: 16 }, worker));
console.log((performance.now() - started) / 1000);
`;

interface Best {
  seconds: number;
  cpuSeconds: number;
  rss: number[];
}

/** Runs every command `runs` times round-robin; best wall and best CPU time, every run's peak RSS. */
async function rounds(runs: number, commands: Record<string, () => Promise<Measurement>>): Promise<Record<string, Best>> {
  const best: Record<string, Best> = {};
  for (let r = 0; r < runs; r++) {
    for (const [name, run] of Object.entries(commands)) {
      const m = await run();
      if (m.exitCode !== 0) throw new Error(`${name} failed (${m.exitCode}): ${m.stderr.slice(-2000)}`);
      const prev = best[name];
      best[name] = prev
        ? { seconds: Math.min(prev.seconds, m.seconds), cpuSeconds: Math.min(prev.cpuSeconds, m.cpuSeconds ?? NaN), rss: [...prev.rss, m.peakRssMiB] }
        : { seconds: m.seconds, cpuSeconds: m.cpuSeconds ?? NaN, rss: [m.peakRssMiB] };
    }
  }
  return best;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const main = join(ROOT, "dist", "cli", "main.js");
const before = process.env.PLAN_BENCH_BEFORE;
const beforeLabel = process.env.PLAN_BENCH_BEFORE_LABEL ?? "before";

function commands(layout: Layout, withBefore: boolean, withTargets: boolean): Record<string, () => Promise<Measurement>> {
  const config = writeConfig(layout);
  const out = join(layout.dir, "bundle");
  const list: Record<string, () => Promise<Measurement>> = {
    baseline: () => measureNode(["--input-type=module", "-e", readOnce(layout)]),
    noImages: () => measureNode([main, "preflight", config, "--no-image-check"]),
    preflight: () => measureNode([main, "preflight", config]),
    plan: () => measureNode([main, "plan", config, "--out", out]),
  };
  if (withBefore && before) {
    const other = join(before, "dist", "cli", "main.js");
    list.beforePreflight = () => measureNode([other, "preflight", config]);
    list.beforePlan = () => measureNode([other, "plan", config, "--out", out]);
  }
  if (withTargets) {
    for (const target of OTHER_TARGETS) {
      const targetConfig = writeConfig(layout, target);
      list[`plan-${target}`] = () => measureNode([main, "plan", targetConfig, "--out", join(layout.dir, `bundle-${target}`)]);
    }
  }
  return list;
}

const LABELS_OF: Record<string, string> = {
  baseline: "read the files once (baseline: streamed JSONL parse)",
  noImages: "preflight --no-image-check",
  preflight: "preflight (records, images, tokens, memory)",
  plan: "plan (preflight + shards + config.json + fork weights + manifest)",
  beforePreflight: `${beforeLabel}: preflight`,
  beforePlan: `${beforeLabel}: plan`,
  ...Object.fromEntries(OTHER_TARGETS.map((t) => [`plan-${t}`, `plan, trainer.target ${t} (all records; its data format)`])),
};
/** The issue's goals, as ratios to read-once in the same run: wall time (both cores may be used) and median peak RSS. */
const GOALS: Record<string, { time: number; rss: number }> = { preflight: { time: 2, rss: 1.5 }, plan: { time: 3, rss: 1.5 } };

function verdict(goal: { time: number; rss: number }, time: number, rss: number): string {
  const missed = [time > goal.time ? `wall ${time.toFixed(2)}x > ${goal.time}x` : "", rss > goal.rss ? `RSS ${rss.toFixed(2)}x > ${goal.rss}x` : ""].filter(Boolean);
  return `wall ≤ ${goal.time}x, RSS ≤ ${goal.rss}x: ${missed.length === 0 ? "met" : `missed (${missed.join(", ")})`}`;
}

function resultTable(best: Record<string, Best>): string {
  const base = best.baseline;
  const baseRss = median(base.rss);
  const rows = Object.entries(best).map(([name, m]) => {
    const rss = median(m.rss);
    const goal = GOALS[name];
    const time = m.seconds / base.seconds;
    return [LABELS_OF[name], m.seconds.toFixed(2), time.toFixed(2), m.cpuSeconds.toFixed(2), (m.cpuSeconds / base.cpuSeconds).toFixed(2), `${rss.toFixed(0)} (${m.rss.map((r) => r.toFixed(0)).join(", ")})`, (rss / baseRss).toFixed(2), goal ? verdict(goal, time, rss / baseRss) : ""];
  });
  return table(["run", "wall s", "x read-once", "CPU s", "x read-once", "peak RSS MiB (median; runs)", "x read-once", "goal"], rows);
}

async function imageChecks(layout: Layout, runs: number): Promise<{ checks: number; sharp: number }> {
  const args = [layout.dir, FILES.join(","), String(layout.images)];
  let checks = Infinity;
  let sharpSeconds = Infinity;
  for (let r = 0; r < runs; r++) {
    const c = await measureNode(["--input-type=module", "-e", CHECKS, ...args]);
    const s = await measureNode(["--input-type=module", "-e", SHARP, ...args]);
    if (c.exitCode !== 0 || s.exitCode !== 0) throw new Error(`image checks failed: ${c.stderr.slice(-1000)} ${s.stderr.slice(-1000)}`);
    checks = Math.min(checks, Number(c.stdout.trim()));
    sharpSeconds = Math.min(sharpSeconds, Number(s.stdout.trim()));
  }
  return { checks, sharp: sharpSeconds };
}

const RUNS = 5;
const SCALE_RUNS = 3;
const command = [before ? `PLAN_BENCH_BEFORE=<${beforeLabel} checkout>` : "", "npm run bench -- plan", scale ? `--scale ${scale}` : ""].filter(Boolean).join(" ");
const loadAtStart = loadavg()[0];
generate(ONE);
const one = await rounds(RUNS, commands(ONE, true, true));
const images = FILES.length * ONE.images;
const checks = await imageChecks(ONE, RUNS);
const big = scale ? scaled(scale) : undefined;
let grown: Record<string, Best> | undefined;
let generateSeconds = 0;
if (big) {
  const started = performance.now();
  generate(big);
  generateSeconds = (performance.now() - started) / 1000;
  grown = await rounds(SCALE_RUNS, commands(big, false, false));
}
const loadAtEnd = loadavg()[0];
const speedup = checks.sharp / checks.checks;

const markdown = [
  `## plan: stage-2 config, ${FILES.length} files x ${ONE.records.toLocaleString("en")} records (${(FILES.length * ONE.records).toLocaleString("en")}), ${ONE.images.toLocaleString("en")} distinct 112x112 PNGs per folder (${images.toLocaleString("en")}), every image reference checked`,
  "",
  `Produced by \`${command}\`. Best of ${RUNS} runs taken round-robin (wall and CPU each; CPU = user + system of all threads, shown for comparison because it is steadier on a shared machine); peak RSS is the median of the runs. Whole processes, CLI start-up included; the baseline process loads only the JSONL reader. The fork cannot take the records with "AUs": [] (every fifth): the config sets \`drop_empty_aus\`. Goals, as ratios to read-once in the same run: preflight ≤ 2x and plan ≤ 3x wall time, peak RSS ≤ 1.5x. The \`plan, trainer.target …\` rows plan the same files for the other trainers (each in its own data format: JSONL for vlm-r1, trl and openrlhf, Parquet for verl); EasyR1 trains on one file and is left out.`,
  "",
  resultTable(one),
  "",
  "preflight reads each file once: records are checked as they are parsed, each distinct image file is read once per image folder (by its resolved path; every reference still counts and is reported on its own line), and prompt and image tokens are counted once per question and per image size. plan writes the bundle's data during that same read: each training file is spooled in the trainer's format (hashed as it is written) with a profile id per record, so the frequency map and the fork's weights come from the profiles; the shard is the spool itself or one pass over it that adds the weights.",
  "",
  `Image structure checks, each of the ${images.toLocaleString("en")} distinct files once (best of ${RUNS}, the checks alone in one process; page cache warm for both):`,
  "",
  table(
    ["check", "seconds", "files/s", "x sharp"],
    [
      ["facial-r1 image check (preflight, plan, data validate --images)", checks.checks.toFixed(3), Math.round(images / checks.checks).toLocaleString("en"), `${speedup.toFixed(1)} (goal ≥ 3: ${speedup >= 3 ? "met" : "missed"})`],
      ["sharp(file).metadata(), 16 at a time", checks.sharp.toFixed(3), Math.round(images / checks.sharp).toLocaleString("en"), "1.0"],
    ],
  ),
  "",
  "A check is four system calls on a local file (open without following a final link, fstat, one read of the header, close; a realpath per directory, not per file) and runs on the calling thread: on this 2-core machine handing it to a worker thread cost more than the check. On network file systems (NFS, Lustre, GPFS, CephFS, SMB, FUSE, 9p) checks go four at a time to worker threads instead.",
  "",
  `Load average (1 min) at the start and end of the run${big ? ` (including the ${scale}x section)` : ""}: ${loadAtStart.toFixed(1)} / ${loadAtEnd.toFixed(1)} on ${availableParallelism()} cores; other engineers share the machine, so compare ratios, not seconds.`,
].join("\n");
console.log(markdown);
recordResults("plan", markdown);

if (big && grown && scale) {
  const large = grown;
  const names = ["baseline", "noImages", "preflight", "plan"];
  const wallGrowth = (name: string) => large[name].seconds / one[name].seconds;
  const cpuGrowth = (name: string) => large[name].cpuSeconds / one[name].cpuSeconds;
  const rssGrowth = (name: string) => median(large[name].rss) / median(one[name].rss);
  const row = (name: string) => [
    LABELS_OF[name],
    one[name].seconds.toFixed(2),
    large[name].seconds.toFixed(2),
    wallGrowth(name).toFixed(2),
    cpuGrowth(name).toFixed(2),
    (large[name].seconds / large.baseline.seconds).toFixed(2),
    (large[name].cpuSeconds / large.baseline.cpuSeconds).toFixed(2),
    median(one[name].rss).toFixed(0),
    median(large[name].rss).toFixed(0),
    rssGrowth(name).toFixed(2),
    (median(large[name].rss) / median(large.baseline.rss)).toFixed(2),
  ];
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}x to ${Math.max(...xs).toFixed(2)}x`;
  const scaleMarkdown = [
    `## plan at ${scale}x: ${FILES.length} files x ${big.records.toLocaleString("en")} records (${(FILES.length * big.records).toLocaleString("en")}), ${big.images.toLocaleString("en")} distinct images per folder (${(FILES.length * big.images).toLocaleString("en")})`,
    "",
    `Produced by \`${command}\`, in the same run as the plan section (the 1x columns are its figures). Best of ${SCALE_RUNS} round-robin at ${scale}x (wall and CPU each), peak RSS the median of the runs. ${generateSeconds >= 1 ? `Generating the ${scale}x data took ${generateSeconds.toFixed(0)} s (kept in .bench-data for later runs).` : "The data set was generated by an earlier run (kept in .bench-data)."}`,
    "",
    table(
      ["run", "1x wall s", `${scale}x wall s`, `wall ${scale}x / 1x`, `CPU ${scale}x / 1x`, `${scale}x wall: x read-once`, `${scale}x CPU: x read-once`, "1x RSS MiB", `${scale}x RSS MiB`, `RSS ${scale}x / 1x`, `${scale}x RSS: x read-once`],
      names.map(row),
    ),
    "",
    `For ${scale}x the records and ${scale}x the distinct images, wall time grew ${range(names.map(wallGrowth))} and CPU time ${range(names.map(cpuGrowth))} (linear: ${scale}x; ${Math.max(...names.map(wallGrowth), ...names.map(cpuGrowth)) <= scale ? "no run grew faster than its input" : "a run grew faster than its input"}, and growth below ${scale}x is the fixed part of every run, process start-up and module loading, that weighs more at 1x); peak RSS grew ${range(names.map(rssGrowth))}: every pass streams, and what is kept grows with the distinct images (one check result per resolved path) and the distinct questions and image sizes (token counts), not with the records.`,
  ].join("\n");
  console.log(scaleMarkdown);
  recordResults("plan-scale", scaleMarkdown);
}
