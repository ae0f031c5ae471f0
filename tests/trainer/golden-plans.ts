import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { validateFiles } from "../../src/data/validate.js";
import { planRun } from "../../src/trainer/bundle/plan.js";
import { loadRunConfig } from "../../src/trainer/config-file.js";
import { preflight, type PreflightReport } from "../../src/trainer/preflight.js";
import { reportJson } from "../../src/trainer/report.js";
import type { Problem } from "../../src/util/errors.js";
import { sortKeysDeep } from "../../src/util/fs.js";
import { encodePng } from "../../src/util/png.js";
import { VERSION } from "../../src/version.js";
import { writeTinyTokenizer } from "./fixture.js";

/**
 * Run configs over the same data (several targets and stages, sampling, drop_empty_aus,
 * several files, records that take the record check's slow path, repeated and aliased image
 * references), planned into a folder, and the SHA-256 of every output, normalised so that it
 * does not depend on the folder or the tool version: `scenarioHashes` gives one map per
 * scenario, `bundle/<path>` and `preflight` keys; and `data validate --images` over two of the
 * files, with its rejects and image report.
 */

const AU_SETS = [["AU1", "AU4", "AU15"], ["AU6", "AU12", "AU25"], [], ["AU1", "AU2", "AU5", "AU26"], ["AU4", "AU7"], ["AU12"], ["AU2", "AU1"]];
const LABELS = [["sadness"], ["happiness"], ["neutral"], ["surprise"], ["anger"], ["happiness", "surprise"], ["fear"]];

function png(width: number, height: number, shade: number): Buffer {
  return encodePng(width, height, new Uint8Array(width * height).fill(shade));
}

/** Record `i` of file `tag`; varied so that shards, frequencies and weights all move. */
function record(tag: string, i: number): Record<string, unknown> {
  const k = (i * 5 + tag.length) % AU_SETS.length;
  const aus = AU_SETS[k];
  const labels = LABELS[(i + tag.charCodeAt(0)) % LABELS.length];
  const r: Record<string, unknown> = {
    id: i % 9 === 4 ? 1000 * tag.charCodeAt(0) + i : `${tag}-${i}`,
    dataset: tag,
    image: `p${i % 5}.png`,
    question: i % 3 === 0 ? "<image>What emotion does this face show?" : "As an expert in facial expression analysis, describe the Action Units of this face and the emotion they convey.",
    AUs: aus,
    labels,
    description: `The face shows ${aus.join(", ") || "no movement"}: ${labels.join(" and ")} — «${tag}» ${i}.`,
    meta_info: { subject: `S${i % 4}`, frame: i, score: i / 8, big: 1e21, tiny: 5e-7, note: "tab\there \u2028 ☺" },
  };
  if (i % 11 === 3) r.accu_reward_method = "default";
  if (i % 13 === 5) delete r.meta_info;
  if (i % 17 === 6) r.is_valid = false;
  return r;
}

/** Lines of one file: a few take the record check's slow path (unknown fields, an AU listed twice). */
function lines(tag: string, count: number, edit: (i: number, r: Record<string, unknown>) => void = () => undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // Record 7 carries the fork's own field already: its weight is rewritten where it stands.
    const r = i === 7 ? { id: `${tag}-7`, weights: 3.5, ...record(tag, i) } : record(tag, i);
    if (i === 8) r.extra = { kept: [1, 2.5, "x"] };
    if (i === 9) r.AUs = ["AU1", "AU1", "AU4"];
    edit(i, r);
    out.push(JSON.stringify(r));
  }
  return out;
}

/** Writes the data every scenario reads; returns nothing, everything is under `dir`. */
export async function writeGoldenData(dir: string): Promise<void> {
  await mkdir(join(dir, "data"), { recursive: true });
  for (const folder of ["img-a", "img-b", "img-c", "img-d", "img-test"]) await mkdir(join(dir, folder, "sub"), { recursive: true });
  const sizes = [
    [84, 56],
    [112, 112],
    [640, 480],
    [28, 300],
    [1000, 750],
  ];
  for (const folder of ["img-a", "img-b", "img-c", "img-d", "img-test"]) {
    for (let i = 0; i < 5; i++) await writeFile(join(dir, folder, `p${i}.png`), png(sizes[i][0], sizes[i][1], 40 * i));
    await writeFile(join(dir, folder, "sub", "q.png"), png(56, 84, 7));
    await symlink("p1.png", join(dir, folder, "link.png"));
  }
  // a.jsonl: a BOM, CRLF endings, a blank line, image lists and references that name one file several ways.
  const a = lines("a", 70, (i, r) => {
    if (i % 6 === 1) r.image = "./p1.png";
    if (i % 6 === 2) r.image = "sub/../p2.png";
    if (i % 10 === 5) r.image = ["p3.png", "sub/q.png"];
    if (i % 14 === 12) r.image = "link.png";
  });
  await writeFile(join(dir, "data/a.jsonl"), `\ufeff${a.slice(0, 30).join("\r\n")}\r\n\n${a.slice(30).join("\n")}\n`);
  await writeFile(join(dir, "data/b.jsonl"), `${lines("b", 45, (i, r) => i % 8 === 0 && (r.image = ["p4.png"])).join("\n")}\n`);
  await writeFile(join(dir, "data/c.jsonl"), lines("c", 33).join("\n"));
  await writeFile(join(dir, "data/test.jsonl"), `${lines("t", 12).join("\n")}\n`);
  // d.jsonl: every kind of bad image, each referenced by one or two records.
  await writeFile(join(dir, "img-d", "empty.png"), "");
  await writeFile(join(dir, "img-d", "text.png"), "not an image");
  await writeFile(join(dir, "img-d", "cut.png"), png(30, 30, 1).subarray(0, 50));
  await writeFile(join(dir, "img-d", "wide.png"), png(4000, 10, 1));
  await mkdir(join(dir, "img-d", "dir.png"));
  await writeFile(join(dir, "outside.png"), png(10, 10, 1));
  await symlink(join(dir, "outside.png"), join(dir, "img-d", "escape.png"));
  const bad = ["missing.png", "empty.png", "text.png", "cut.png", "wide.png", "dir.png", "../outside.png", "/etc/hostname", "escape.png", "missing.png", "sub/../cut.png"];
  await writeFile(join(dir, "data/d.jsonl"), `${lines("d", 14, (i, r) => (r.image = bad[i] ?? "p0.png")).join("\n")}\n`);
  // e.jsonl: records single-image and described (SFT); one record over the completion length.
  await writeFile(
    join(dir, "data/e.jsonl"),
    `${lines("e", 25, (i, r) => {
      if (i === 4) r.description = "word ".repeat(400);
      if (i % 7 === 2) r.image = ["p2.png"];
    }).join("\n")}\n`,
  );
  await writeTinyTokenizer(dir, "what emotion does this face show ? the shows so is as an expert in facial expression analysis , describe action units of and emotion they convey .");
}

interface Scenario {
  name: string;
  yaml: (dir: string) => string;
  checkImages?: boolean;
  dropEmptyAus?: boolean;
}

const entry = (file: string, images: string, extra = "") => `  - {file: ${file}, images: ${images}${extra}}`;
const EVAL = ["eval:", "  datasets:", `  ${entry("data/test.jsonl", "img-test")}`];

function config(name: string, stage: string, trainer: string, lines: string[], model = "/models/Qwen2.5-VL-7B-Instruct"): string {
  return [`name: ${name}`, `stage: ${stage}`, `model: {path: ${model}}`, `trainer: {${trainer}}`, "datasets:", ...lines].join("\n");
}

export const SCENARIOS: Scenario[] = [
  {
    name: "fork-grpo-sampled",
    yaml: () =>
      config("fork-grpo", "grpo", "target: facial-r1, drop_empty_aus: true", [
        entry("data/a.jsonl", "img-a", ", sample: {strategy: random, percent: 70, seed: 7}"),
        entry("data/b.jsonl", "img-b", ", reward_method: default, sample: {strategy: first, count: 25}"),
        entry("data/c.jsonl", "img-c", ", sample: {strategy: end, percent: 50}"),
        ...EVAL,
      ]),
  },
  {
    name: "fork-grpo-task-drop-flag",
    dropEmptyAus: true,
    yaml: () => config("fork-task", "grpo-task", "target: facial-r1", [entry("data/a.jsonl", "img-a"), entry("data/c.jsonl", "img-c", ", sample: {strategy: random, count: 9, seed: 1}")], "/models/Qwen2.5-VL-3B-Instruct"),
  },
  {
    name: "fork-grpo-no-image-check",
    checkImages: false,
    yaml: () => config("fork-noimg", "grpo", "target: facial-r1, drop_empty_aus: true", [entry("data/b.jsonl", "img-b"), entry("data/d.jsonl", "img-d")]),
  },
  {
    name: "fork-sft",
    yaml: () => config("fork-sft", "sft", "target: facial-r1", [entry("data/e.jsonl", "img-a", ", sample: {strategy: random, count: 15, seed: 3}"), entry("data/c.jsonl", "img-c")]),
  },
  {
    name: "upstream-grpo",
    yaml: () => config("up-grpo", "grpo", "target: vlm-r1", [entry("data/a.jsonl", "img-a", ", sample: {strategy: random, count: 20, seed: 3}"), entry("data/b.jsonl", "img-b", ", reward_method: default"), ...EVAL]),
  },
  {
    name: "upstream-sft-tokenizer",
    yaml: (dir) =>
      config("up-sft", "sft", "target: vlm-r1", [entry("data/e.jsonl", "img-a"), entry("data/c.jsonl", JSON.stringify(join(dir, "img-c")), ", sample: {strategy: end, count: 12}")], "models/Qwen2.5-VL-7B-tiny"),
  },
  {
    name: "refused",
    yaml: () => config("refused", "grpo", "target: facial-r1", [entry("data/b.jsonl", "img-b"), entry("data/d.jsonl", "img-d"), entry("data/none.jsonl", "img-none")]),
  },
];

/** Normalised SHA-256 of every output of every scenario: `{scenario: {"bundle/<path>" | "preflight" | "result": hash}}`. */
export async function scenarioHashes(dir: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of SCENARIOS) out[s.name] = await planScenario(dir, s);
  for (const [name, file] of [["validate-a", "a"], ["validate-d", "d"]]) out[name] = await validateScenario(dir, name, file);
  return out;
}

/** `data validate --images` with its rejects and image report, over the files the plans read. */
async function validateScenario(dir: string, name: string, file: string): Promise<Record<string, string>> {
  const rejectsPath = join(dir, `${name}.rejects.jsonl`);
  const imageReportPath = join(dir, `${name}.images.jsonl`);
  const problems: Problem[] = [];
  const report = await validateFiles({ files: [join(dir, "data", `${file}.jsonl`)], imagesDir: join(dir, `img-${file}`), rejectsPath, imageReportPath, progress: false, onProblem: (p) => problems.push(p) });
  const normalize = (text: string) => text.split(dir).join("<DIR>");
  return {
    report: sha(normalize(JSON.stringify(sortKeysDeep(report)))),
    problems: sha(normalize(JSON.stringify(problems))),
    rejects: sha(normalize(await readFile(rejectsPath, "utf8"))),
    images: sha(normalize(await readFile(imageReportPath, "utf8"))),
  };
}

async function planScenario(dir: string, s: Scenario): Promise<Record<string, string>> {
  const config = join(dir, `${s.name}.yaml`);
  await writeFile(config, `${s.yaml(dir)}\n`);
  const bundle = join(dir, `bundle-${s.name}`);
  const result = await planRun({ config, out: bundle, checkImages: s.checkImages, dropEmptyAus: s.dropEmptyAus, progress: false });
  const normalize = (text: string) => text.split(dir).join("<DIR>").split(`facial-r1 ${VERSION}`).join("facial-r1 <VERSION>");
  // The refused plan lists image findings: their order across kinds was once the order in which the checks finished.
  const reportHash = (report: PreflightReport) => {
    const json = reportJson(report);
    if (!report.ok) json.problems = [...report.problems].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    return sha(normalize(JSON.stringify(sortKeysDeep(json))));
  };
  const hashes: Record<string, string> = { preflight: reportHash(result.preflight) };
  // preflight on its own reports what plan reported.
  const loaded = await loadRunConfig(config);
  if (s.dropEmptyAus) loaded.config.trainer.drop_empty_aus = true;
  if (reportHash(await preflight({ loaded, checkImages: s.checkImages, progress: false })) !== hashes.preflight) throw new Error(`${s.name}: preflight alone differs from plan's preflight`);
  hashes.result = sha(normalize(JSON.stringify({ written: result.written, shards: result.shards })));
  if (!result.written) return hashes;
  const normalized = new Map<string, Buffer>();
  for (const e of await readdir(bundle, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name).slice(bundle.length + 1);
    if (rel === "manifest.json") continue;
    const bytes = await readFile(join(bundle, rel));
    normalized.set(rel, Buffer.from(normalize(bytes.toString("latin1")), "latin1"));
    hashes[`bundle/${rel}`] = sha(normalized.get(rel)!);
  }
  const manifest = JSON.parse(await readFile(join(bundle, "manifest.json"), "utf8")) as Record<string, unknown> & { outputs: { path: string; sha256: string; bytes: number }[]; config_file: Record<string, unknown> };
  if (manifest.outputs.length !== normalized.size) throw new Error(`${s.name}: the manifest lists ${manifest.outputs.length} outputs, the bundle holds ${normalized.size}`);
  manifest.outputs = await Promise.all(
    manifest.outputs.map(async (o) => {
      const bytes = await readFile(join(bundle, o.path));
      if (o.sha256 !== createHash("sha256").update(bytes).digest("hex") || o.bytes !== bytes.length) throw new Error(`${s.name}: manifest entry of ${o.path} does not match the file`);
      return { path: o.path, sha256: sha(normalized.get(o.path)!), bytes: normalized.get(o.path)!.length };
    }),
  );
  const configText = normalize(await readFile(config, "utf8"));
  manifest.config_file = { ...manifest.config_file, sha256: sha(configText), bytes: Buffer.byteLength(configText) };
  (manifest.tool as Record<string, unknown>).version = "<VERSION>";
  hashes["bundle/manifest.json"] = sha(normalize(JSON.stringify(manifest, null, 2)));
  return hashes;
}

function sha(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 24);
}
