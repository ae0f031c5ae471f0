// Launch and pull: time from `launch` to the job running and from job end to metrics on disk,
// per backend (local, ssh over loopback, the local Slurm); pull throughput over loopback ssh
// against plain rsync of the same files. Needs root and the packages of tests/infra/up.sh.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bestOf, measureNode, recordResults, ROOT, table, type Measurement } from "./lib.js";

const CLI = join(ROOT, "dist", "cli", "main.js");
const up = spawnSync("bash", [join(ROOT, "tests", "infra", "up.sh")], { encoding: "utf8" });
if (up.status !== 0) {
  console.error(`launch bench needs the test services: ${up.stderr.trim()}`);
  process.exit(1);
}
const infra = Object.fromEntries(
  readFileSync(up.stdout.trim(), "utf8")
    .split("\n")
    .filter((l) => l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);

const work = mkdtempSync(join(tmpdir(), "bench-launch-"));
const home = join(work, "home");
const env = { ...infra, FACIAL_R1_HOME: home };
const planned = await measureNode([CLI, "plan", join(ROOT, "configs", "quickstart.yaml"), "--out", join(work, "bundle")], env);
if (planned.exitCode !== 0) throw new Error(planned.stderr);
const trainerHome = join(work, "trainer-home");
cpSync(join(ROOT, "tests", "stand-in", "trainer-home"), trainerHome, { recursive: true });
const setup = ["--setup", `export PATH=${join(ROOT, "tests", "stand-in", "bin")}:$PATH`, "--setup", `export TRAINER_HOME=${trainerHome}`];
const backends: Record<string, string[]> = {
  local: ["--backend", "local"],
  ssh: ["--backend", "ssh", "--host", infra.FACIAL_R1_TEST_SSH_HOST, "--ssh-config", infra.FACIAL_R1_TEST_SSH_CONFIG, "--remote-dir", join(infra.FACIAL_R1_TEST_REMOTE_DIR, "bench")],
  slurm: ["--backend", "slurm", "--gpus-per-node", "0", "--no-exclusive"],
};

const startup = await bestOf(3, () => measureNode([CLI, "--version"]));
const rows: (string | number)[][] = [];
for (const [name, flags] of Object.entries(backends)) {
  const bundle = join(work, `bundle-${name}`);
  cpSync(join(work, "bundle"), bundle, { recursive: true });
  const launched = await measureNode([CLI, "launch", bundle, ...flags, ...setup, "--wait", "running", "--json"], env);
  if (launched.exitCode !== 0) throw new Error(`${name}: ${launched.stderr}`);
  const id = JSON.parse(launched.stdout).id as string;
  await measureNode([CLI, "status", id, "--wait"], env);
  const pulled = await measureNode([CLI, "pull", id, "--out", join(work, `pulled-${name}`), "--no-weights"], env);
  if (pulled.exitCode !== 0) throw new Error(`${name} pull: ${pulled.stderr}`);
  rows.push([name, launched.seconds.toFixed(2), (launched.seconds / startup.seconds).toFixed(1), pulled.seconds.toFixed(2), (pulled.seconds / startup.seconds).toFixed(1)]);
}

// Pull throughput: a finished run with 3 checkpoints of 64 MiB over loopback ssh.
const remoteRun = join(infra.FACIAL_R1_TEST_REMOTE_DIR, "bench-pull");
rmSync(remoteRun, { recursive: true, force: true });
const out = join(remoteRun, "outputs", "big");
mkdirSync(join(remoteRun, ".facial-r1"), { recursive: true });
writeFileSync(join(remoteRun, ".facial-r1", "exit_code"), "0\n");
writeFileSync(join(remoteRun, ".facial-r1", "job.log"), "done\n");
for (const step of [1, 2, 3]) {
  const dir = join(out, `checkpoint-${step}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.safetensors"), randomBytes(64 << 20));
  writeFileSync(join(dir, "trainer_state.json"), JSON.stringify({ global_step: step, log_history: [{ step, reward: step }] }));
}
const totalMiB = 3 * 64;
const runId = "bench-pull";
mkdirSync(join(home, "runs"), { recursive: true });
writeFileSync(
  join(home, "runs", `${runId}.json`),
  JSON.stringify({ id: runId, backend: "ssh", bundle: work, entry: "x", createdAt: new Date().toISOString(), workdir: remoteRun, outputDir: "outputs/big", ssh: { host: infra.FACIAL_R1_TEST_SSH_HOST, config_file: infra.FACIAL_R1_TEST_SSH_CONFIG, workdir: infra.FACIAL_R1_TEST_REMOTE_DIR } }),
);
let i = 0;
const ours = await bestOf(3, () => measureNode([CLI, "pull", runId, "--out", join(work, `pull-${i++}`), "--checkpoints", "all"], env));
let j = 0;
const rsync = await bestOf(3, async (): Promise<Measurement> => {
  const started = process.hrtime.bigint();
  const r = spawnSync("rsync", ["-a", "-e", `ssh -F ${infra.FACIAL_R1_TEST_SSH_CONFIG}`, `${infra.FACIAL_R1_TEST_SSH_HOST}:${out}/`, join(work, `rsync-${j++}/`)]);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMiB: 0, exitCode: r.status ?? 1, stdout: "", stderr: String(r.stderr) };
});
rmSync(remoteRun, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });

recordResults(
  "launch",
  [
    "## Launch and pull (`npm run bench -- launch`)",
    "",
    `The quickstart bundle on the CPU stand-in trainer. Baseline: CLI start-up (\`facial-r1 --version\`) ${startup.seconds.toFixed(2)} s.`,
    "",
    table(["backend", "launch → running (s)", "× start-up", "job end → metrics on disk (s)", "× start-up"], rows),
    "",
    `Pull of ${totalMiB} MiB (3 checkpoints) over loopback ssh: facial-r1 pull ${ours.seconds.toFixed(2)} s (${(totalMiB / ours.seconds).toFixed(0)} MiB/s), plain rsync ${rsync.seconds.toFixed(2)} s (${(totalMiB / rsync.seconds).toFixed(0)} MiB/s): ratio ${(ours.seconds / rsync.seconds).toFixed(2)}× rsync's time.`,
  ].join("\n"),
);
console.log(readFileSync(join(ROOT, "bench", "RESULTS.md"), "utf8").split("<!-- bench:launch -->")[1]?.split("<!-- /bench:launch -->")[0]);
