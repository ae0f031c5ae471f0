import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { cli, planBundle, runIdOf, scratch, standInTrainer } from "./fixture.js";
import { hasPrograms } from "../helpers/infra.js";
import { testPython } from "../helpers/python-env.js";

// The local backend needs no service (no sshd, no Slurm): only these programs, for the job and for pull,
// and the Python test environment the stand-in trainer runs in.
const LOCAL_PROGRAMS = ["bash", "setsid", "rsync", "python3"];

describe("local backend", () => {
  let dir: string;
  let bundle: string;
  let setup: string[];

  before(async () => {
    dir = await scratch();
    bundle = await planBundle(dir);
    setup = await standInTrainer(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("runs the planned bundle to success and pulls metrics, charts and the checkpoint back", async (t) => {
    if (!hasPrograms(t, LOCAL_PROGRAMS) || !testPython(t)) return;
    const home = join(dir, "home-ok");
    const launched = await cli(home, ["launch", bundle, ...setup, "--wait", "finished", "--json"]);
    const id = runIdOf(launched);
    const status = await cli(home, ["status", id, "--json"]);
    assert.deepEqual(JSON.parse(status.stdout), { run: id, backend: "local", state: "succeeded", exitCode: 0 });

    const out = join(dir, "pulled");
    const pulled = await cli(home, ["pull", id, "--out", out, "--checkpoints", "all", "--png", "--json"]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const report = JSON.parse(pulled.stdout);
    assert.deepEqual(report.checkpoints.map((c: { action: string }) => c.action), ["fetched"]);

    const csv = (await readFile(join(out, "metrics.csv"), "utf8")).trim().split("\n");
    const header = csv[0].split(",");
    for (const column of ["step", "reward", "rewards/format_reward", "rewards/accuracy_reward", "rewards/au_reward"]) assert.ok(header.includes(column), column);
    assert.equal(csv.length - 1, report.metricsRows);
    // The stand-in scored its completions with the emitted plugin: the components differ and sum to the total.
    const row = Object.fromEntries(header.map((h, i) => [h, Number(csv[1].split(",")[i])]));
    const sum = row["rewards/format_reward"] + row["rewards/accuracy_reward"] + row["rewards/au_reward"];
    assert.ok(Math.abs(sum - row.reward) < 1e-9);
    assert.notEqual(row["rewards/format_reward"], row["rewards/au_reward"]);

    const charts = await readdir(join(out, "charts"));
    assert.deepEqual(charts.sort(), ["completion_length.png", "completion_length.svg", "kl.png", "kl.svg", "rewards.png", "rewards.svg"]);
    assert.deepEqual((await readFile(join(out, "charts", "rewards.png"))).subarray(1, 4).toString(), "PNG");
    assert.match(await readFile(join(out, "charts", "rewards.svg"), "utf8"), /<polyline/);
    assert.ok(existsSync(join(out, "output", "rollouts.log")), "the rollout debug log comes back");
    assert.match(await readFile(join(out, "summary.txt"), "utf8"), /succeeded/);

    // A second pull fetches nothing again.
    const [checkpoint] = await readdir(join(out, "checkpoints"));
    assert.match(checkpoint, /^checkpoint-\d+$/);
    const weights = join(out, "checkpoints", checkpoint, "model.safetensors");
    const before = await stat(weights);
    const again = JSON.parse((await cli(home, ["pull", id, "--out", out, "--checkpoints", "all", "--json"])).stdout);
    assert.deepEqual(again.checkpoints.map((c: { action: string }) => c.action), ["already-pulled"]);
    assert.equal((await stat(weights)).mtimeMs, before.mtimeMs);

    const shown = await cli(home, ["runs", "show", id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, "", "without --json nothing goes to stdout");
    assert.doesNotMatch(shown.stderr, /^\{/m, "the record is described, not dumped as JSON");
    assert.match(shown.stderr, /succeeded/);
    const listed = await cli(home, ["runs", "list", "--json"]);
    assert.deepEqual(JSON.parse(listed.stdout).map((r: { id: string }) => r.id), [id]);
  });

  it("reports a failed run with its exit code and the log's last lines", async (t) => {
    if (!hasPrograms(t, LOCAL_PROGRAMS) || !testPython(t)) return;
    const home = join(dir, "home-fail");
    const launched = await cli(home, ["launch", bundle, ...setup, "--wait", "finished", "--json"], { STANDIN_FAIL_AT_STEP: "2" });
    assert.equal(launched.code, 1);
    const { id, status } = JSON.parse(launched.stdout);
    assert.equal(status.state, "failed");
    assert.equal(status.exitCode, 3);
    assert.match(status.reason, /simulated failure at step 2/);
    const waited = await cli(home, ["status", id, "--wait"]);
    assert.equal(waited.code, 1);
  });

  it("cancels a running job and its whole process group", async (t) => {
    if (!hasPrograms(t, LOCAL_PROGRAMS) || !testPython(t)) return;
    const home = join(dir, "home-cancel");
    const launched = await cli(home, ["launch", bundle, ...setup, "--wait", "running", "--json"], { STANDIN_STEP_SECONDS: "30" });
    const { id, pid } = JSON.parse(launched.stdout);
    const cancelled = await cli(home, ["cancel", id]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const status = JSON.parse((await cli(home, ["status", id, "--json"])).stdout);
    assert.equal(status.state, "cancelled");
    assert.throws(() => process.kill(-pid, 0), "no process of the group is left");
  });

  it("two runs of one bundle at once: each has its own job folder, log and outputs; cancelling one leaves the other", async (t) => {
    if (!hasPrograms(t, LOCAL_PROGRAMS) || !testPython(t)) return;
    const home = join(dir, "home-two");
    // A takes 30 s a step (still running when cancelled); B runs to the end meanwhile.
    const a = await cli(home, ["launch", bundle, ...setup, "--setup", "echo marker-of-run-A", "--wait", "running", "--json"], { STANDIN_STEP_SECONDS: "30" });
    assert.equal(a.code, 0, a.stderr);
    const b = await cli(home, ["launch", bundle, ...setup, "--setup", "echo marker-of-run-B", "--wait", "finished", "--json"]);
    assert.equal(b.code, 0, b.stderr);
    const runA = JSON.parse(a.stdout) as { id: string; workdir: string; outputDir: string; jobDir: string };
    const runB = JSON.parse(b.stdout) as { id: string; workdir: string; outputDir: string; jobDir: string; status: { state: string } };
    assert.equal(runB.status.state, "succeeded");
    assert.equal(runA.workdir, runB.workdir, "both run in the bundle's folder");
    assert.notEqual(runA.outputDir, runB.outputDir);
    assert.notEqual(runA.jobDir, runB.jobDir);
    assert.equal(runB.outputDir, join("outputs", "quickstart", runB.id));

    const cancelled = await cli(home, ["cancel", runA.id]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const statusOf = async (id: string) => (JSON.parse((await cli(home, ["status", id, "--json"])).stdout) as { state: string }).state;
    assert.equal(await statusOf(runA.id), "cancelled");
    assert.equal(await statusOf(runB.id), "succeeded", "cancelling run A changed run B");

    // Each log holds its own run only.
    const logA = (await cli(home, ["logs", runA.id])).stdout;
    const logB = (await cli(home, ["logs", runB.id])).stdout;
    assert.match(logA, /marker-of-run-A/);
    assert.doesNotMatch(logA, /marker-of-run-B|training finished/);
    assert.match(logB, /marker-of-run-B/);
    assert.doesNotMatch(logB, /marker-of-run-A/);
    assert.match(logB, new RegExp(`training finished: ${join(bundle, runB.outputDir)}`));

    // B's checkpoint and rollout log are in B's folder; A's folder has none of them.
    const outputOf = (run: { outputDir: string }) => join(bundle, run.outputDir);
    assert.ok(existsSync(join(outputOf(runB), "rollouts.log")), "B's rollouts.log");
    assert.ok((await readdir(outputOf(runB))).some((n) => /^checkpoint-\d+$/.test(n)));
    const inA = existsSync(outputOf(runA)) ? await readdir(outputOf(runA)) : [];
    assert.ok(!inA.some((n) => /^checkpoint-\d+$/.test(n)), `A's folder: ${inA.join(", ")}`);
    if (inA.includes("rollouts.log")) assert.notEqual(await readFile(join(outputOf(runA), "rollouts.log"), "utf8"), await readFile(join(outputOf(runB), "rollouts.log"), "utf8"));

    // Each pulls its own.
    const pulledB = await cli(home, ["pull", runB.id, "--out", join(dir, "pulled-b"), "--json"]);
    assert.equal(pulledB.code, 0, pulledB.stderr);
    assert.deepEqual(JSON.parse(pulledB.stdout).checkpoints.map((c: { action: string }) => c.action), ["fetched"]);
    assert.match(await readFile(join(dir, "pulled-b", "job.log"), "utf8"), /marker-of-run-B/);
    const pulledA = await cli(home, ["pull", runA.id, "--out", join(dir, "pulled-a"), "--json"]);
    assert.equal(pulledA.code, 0, pulledA.stderr);
    assert.deepEqual(JSON.parse(pulledA.stdout).checkpoints, []);
    assert.doesNotMatch(await readFile(join(dir, "pulled-a", "job.log"), "utf8"), /marker-of-run-B/);
  });

  it("refuses a directory that is not a bundle", async () => {
    const result = await cli(join(dir, "home-bad"), ["launch", dir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a run bundle: no manifest.json/);
  });
});
