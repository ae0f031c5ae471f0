// Planning the stage-2 layout (seven data files of 20k records each, every image checked)
// against reading the same files once (streamed JSONL parse) in the same run.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodePng } from "../src/util/png.js";
import { bestOf, DATA_DIR, measureNode, recordResults, ROOT, table } from "./lib.js";

const FILES = ["FABA-Train", "BP4D-Train", "DISFA-Train", "RAF-AU-Train", "FER2013-Train", "AffectNet-Train", "RAF-DB-Train"];
const RECORDS = 20_000;
/** Distinct image files per folder; records cycle through them (each reference is still checked). */
const IMAGES = 2_000;
const dir = join(DATA_DIR, "plan");
const AU_SETS = [["AU1", "AU4", "AU15"], ["AU6", "AU12", "AU25"], [], ["AU1", "AU2", "AU5", "AU26"], ["AU4", "AU7", "AU9", "AU10"]];
const LABELS = ["sadness", "happiness", "neutral", "surprise", "anger"];

function generate(): void {
  const marker = join(dir, `.complete-${RECORDS}-${IMAGES}`);
  if (existsSync(marker)) return;
  mkdirSync(dir, { recursive: true });
  const image = encodePng(112, 112, new Uint8Array(112 * 112).fill(90));
  for (const name of FILES) {
    const images = join(dir, name);
    mkdirSync(images, { recursive: true });
    for (let i = 0; i < IMAGES; i++) writeFileSync(join(images, `${i}.png`), image);
    const lines: string[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const k = i % AU_SETS.length;
      lines.push(
        JSON.stringify({
          id: `${name}-${i}`,
          dataset: name.toLowerCase(),
          image: `${i % IMAGES}.png`,
          question: "As an expert in facial expression analysis, describe the visible Action Units (AUs) of this face and state the emotion they convey.",
          AUs: AU_SETS[k],
          labels: [LABELS[k]],
          description: `The face shows ${AU_SETS[k].join(", ") || "a relaxed face"}; together these movements are characteristic of ${LABELS[k]}, so the expressed emotion is ${LABELS[k]}.`,
          meta_info: { subject: `S${i % 50}`, frame: i },
        }),
      );
    }
    writeFileSync(join(dir, `${name}.jsonl`), `${lines.join("\n")}\n`);
  }
  writeFileSync(marker, "");
}

/** The fork cannot take the records with "AUs": [] (every fifth): the paper's layout leaves them out. */
function writeConfig(): string {
  const path = join(dir, "stage2.yaml");
  writeFileSync(
    path,
    [
      "name: bench-stage2",
      "stage: grpo",
      "model: {path: /models/Qwen2.5-VL-7B-Instruct}",
      "trainer: {target: facial-r1, drop_empty_aus: true}",
      "datasets:",
      ...FILES.map((f) => `  - {file: ${f}.jsonl, images: ${f}}`),
    ].join("\n"),
  );
  return path;
}

generate();
const config = writeConfig();
const main = join(ROOT, "dist", "cli", "main.js");
const readOnce = `
import { readJsonl } from ${JSON.stringify(join(ROOT, "dist", "data", "jsonl.js"))};
let n = 0;
for (const f of ${JSON.stringify(FILES.map((f) => join(dir, `${f}.jsonl`)))}) for await (const item of readJsonl(f)) if (item.kind === "value") n++;
if (n !== ${FILES.length * RECORDS}) throw new Error("read " + n);
`;
const runs = 2;
const baseline = await bestOf(runs, () => measureNode(["--input-type=module", "-e", readOnce]));
const preflightAll = await bestOf(runs, () => measureNode([main, "preflight", config]));
const preflightNoImages = await bestOf(runs, () => measureNode([main, "preflight", config, "--no-image-check"]));
const plan = await bestOf(runs, () => measureNode([main, "plan", config, "--out", join(dir, "bundle")]));
if (plan.exitCode !== 0) throw new Error(`plan failed: ${plan.stderr.slice(-2000)}`);

const row = (label: string, m: { seconds: number; peakRssMiB: number }) => [
  label,
  m.seconds.toFixed(2),
  (m.seconds / baseline.seconds).toFixed(1),
  m.peakRssMiB.toFixed(0),
  (m.peakRssMiB / baseline.peakRssMiB).toFixed(2),
];
const markdown = [
  `## plan: stage-2 config, ${FILES.length} files x ${RECORDS.toLocaleString("en")} records (${(FILES.length * RECORDS).toLocaleString("en")}), every image reference checked (${IMAGES} distinct 112x112 PNGs per folder)`,
  "",
  table(
    ["run", "seconds", "x read-once", "peak RSS MiB", "x read-once"],
    [
      row("read the files once (baseline: streamed JSONL parse)", baseline),
      row("preflight --no-image-check", preflightNoImages),
      row("preflight (records, images, tokens, memory)", preflightAll),
      row("plan (preflight + shards + config.json + fork weights + manifest)", plan),
    ],
  ),
  "",
  `Best of ${runs}. plan reads the sources twice (preflight, shards), the shards three more times (frequency map, the fork's`,
  "weights: min/max then rewrite) and hashes every input and output; memory stays flat because every pass streams.",
].join("\n");
console.log(markdown);
recordResults("plan", markdown);
