// Hub push: `hub push-dataset` of a ~200 MiB dataset folder (JSONL + a few thousand PNGs of mixed
// sizes) to the local Hub stand-in, against a baseline of plain HTTP PUTs of the same bytes to the
// same server (same LFS endpoint, same concurrency as the library's 5 LFS uploads), in the same run;
// and a re-push with nothing changed against the first push.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodePng } from "../src/util/png.js";
import { HubStandIn } from "../tests/servers/hub-stand-in.js";
import { bestOf, DATA_DIR, measureNode, recordResults, ROOT, table, type Measurement } from "./lib.js";

const CLI = join(ROOT, "dist", "cli", "main.js");
const TOKEN = "hf_benchTOKEN0000000000";
const IMAGES = 3000;
const CONCURRENCY = 5;
const ROUNDS = 3;
const dir = join(DATA_DIR, "hub");
const imagesDir = join(dir, "images");
const train = join(dir, "train.jsonl");

/** Noise PNGs (incompressible, so the bytes on disk are what is sent), 48..230 px square, ~200 MiB together. */
function generate(): void {
  if (existsSync(join(dir, "done"))) return;
  rmSync(dir, { recursive: true, force: true });
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  const lines: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const side = 48 + ((next() >>> 8) % 183);
    const pixels = randomBytes(side * side * 3);
    const rel = `faces/${String(i % 30).padStart(2, "0")}/${i}.png`;
    mkdirSync(join(imagesDir, rel, ".."), { recursive: true });
    writeFileSync(join(imagesDir, rel), encodePng(side, side, pixels, "rgb"));
    const labels = ["happiness", "sadness", "anger", "surprise", "fear", "disgust", "neutral"];
    lines.push(JSON.stringify({ id: `r${i}`, dataset: "bench", image: rel, question: "What emotion does this face show?", AUs: ["AU1", "AU4"], labels: [labels[i % 7]], description: `Record ${i}: brows lowered.` }));
  }
  writeFileSync(train, `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "done"), "");
}

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

generate();
const files = [train, ...listFiles(imagesDir)];
const totalBytes = files.reduce((n, f) => n + statSync(f).size, 0);
console.error(`dataset: ${files.length} files, ${(totalBytes / 2 ** 20).toFixed(1)} MiB`);

// Baseline: PUT every file's bytes to the stand-in's signed LFS URL (the server hashes and stores
// them exactly as for the push), 5 at a time, from a separate Node process as the CLI is.
const baselineScript = join(dir, "put-baseline.mjs");
writeFileSync(
  baselineScript,
  `import { readFileSync } from "node:fs";
const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
let next = 0;
async function lane() {
  while (next < jobs.length) {
    const job = jobs[next++];
    const res = await fetch(job.href, { method: "PUT", body: readFileSync(job.file) });
    if (!res.ok) throw new Error("PUT " + res.status);
    await res.arrayBuffer();
  }
}
await Promise.all(Array.from({ length: ${CONCURRENCY} }, lane));
`,
);

const server = new HubStandIn({ token: TOKEN });
await server.start();
const jobs = files.map((file) => {
  const bytes = readFileSync(file);
  return { file, href: server.uploadHref(createHash("sha256").update(bytes).digest("hex"), bytes.length) };
});
const jobsFile = join(dir, "put-jobs.json");
writeFileSync(jobsFile, JSON.stringify(jobs));
const env = { HF_ENDPOINT: server.url, HF_TOKEN: TOKEN, HF_HOME: join(dir, "hf-home") };
const args = [CLI, "hub", "push-dataset", train, "--repo", "bench/faces", "--images", imagesDir, "--json"];
/** An empty stand-in: no repositories, no stored objects. */
const reset = () => {
  server.objects.clear();
  server.repos.clear();
  server.lfsBytesReceived = 0;
};
const better = (a: Measurement | undefined, b: Measurement) => (!a || b.seconds < a.seconds ? b : a);
// Rounds of baseline and first push, alternating, best of each: the machine is shared.
let baseline: Measurement | undefined;
let first: Measurement | undefined;
let baselineBytes = 0;
let firstBytes = 0;
for (let round = 0; round < ROUNDS; round++) {
  reset();
  const b = await measureNode([baselineScript, jobsFile]);
  if (b.exitCode !== 0) throw new Error(b.stderr);
  baseline = better(baseline, b);
  baselineBytes = server.lfsBytesReceived;
  reset();
  const f = await measureNode(args, env);
  if (f.exitCode !== 0) throw new Error(f.stderr);
  first = better(first, f);
  firstBytes = server.lfsBytesReceived;
}
const again = await bestOf(2, () => measureNode(args, env));
if (again.exitCode !== 0) throw new Error(again.stderr);
const repushBytes = server.lfsBytesReceived - firstBytes;
await server.stop();
if (!baseline || !first) throw new Error("no measurement");

const summary = JSON.parse(first.stdout) as { lfs_uploaded: number; regular_files: number };
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
const markdown = [
  "## hub",
  "",
  `\`hub push-dataset\` of ${files.length - 1} PNGs (48..230 px noise, mixed sizes) + 1 JSONL, ${mib(totalBytes)} MiB, ` +
    `to the in-process Hub stand-in (tests/servers/hub-stand-in.ts) over loopback; the push validates every record and image header, ` +
    `then @huggingface/hub's commit preuploads, hashes (WebCrypto), asks the LFS batch and PUTs ${summary.lfs_uploaded} LFS objects ` +
    `(chunks of 100 files, 5 PUTs at a time, one chunk after another: the library's fixed pacing) and commits. ` +
    `Baseline: plain PUTs of the same files to the same LFS endpoint, ${CONCURRENCY} at a time, hashes computed beforehand. ` +
    `Best of ${ROUNDS} alternating rounds (re-push: best of 2); the stand-in keeps connections alive as the Hub does.`,
  "",
  table(
    ["run", "seconds", "MiB sent (LFS)", "ratio", "peak RSS MiB"],
    [
      ["baseline: plain PUTs", baseline.seconds.toFixed(2), mib(baselineBytes), "1.00", baseline.peakRssMiB.toFixed(0)],
      ["first push", first.seconds.toFixed(2), mib(firstBytes), (first.seconds / baseline.seconds).toFixed(2), first.peakRssMiB.toFixed(0)],
      ["re-push, nothing changed (hashes every file)", again.seconds.toFixed(2), mib(repushBytes), `${(again.seconds / first.seconds).toFixed(2)} of first push`, again.peakRssMiB.toFixed(0)],
    ],
  ),
].join("\n");
console.log(markdown);
recordResults("hub", markdown);
