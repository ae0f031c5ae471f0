import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { cli, planBundle, runIdOf, scratch, launchEnv, standInTrainer } from "./fixture.js";

/** Slurm options that fit the one-node test cluster (no GPUs, shared node). */
const SLURM_FLAGS = ["--backend", "slurm", "--gpus-per-node", "0", "--no-exclusive"];

describe("slurm backend (real slurmctld + slurmd on 127.0.0.1)", () => {
  let dir: string;
  let bundle: string;
  let setup: string[];

  before(async () => {
    dir = await scratch();
    bundle = await planBundle(dir);
    setup = await standInTrainer(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("submits with sbatch, tracks the job to success and pulls its metrics", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const home = join(dir, "home-ok");
    const launched = await cli(home, ["launch", bundle, ...SLURM_FLAGS, ...setup, "--wait", "finished", "--json"], env);
    const record = JSON.parse(launched.stdout);
    assert.equal(launched.code, 0, launched.stderr);
    assert.match(record.slurm.jobId, /^\d+$/);
    assert.equal(record.status.state, "succeeded");
    const sbatch = await readFile(join(bundle, ".facial-r1", "runs", record.id, "job.sbatch"), "utf8");
    assert.match(sbatch, /^#SBATCH --nodes=1$/m);
    assert.match(sbatch, /^#SBATCH --ntasks-per-node=1$/m);
    assert.doesNotMatch(sbatch, /--gres|--exclusive/);
    const pulled = await cli(home, ["pull", record.id, "--out", join(dir, "pulled"), "--no-weights", "--json"], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(JSON.parse(pulled.stdout).metricsRows > 0);
  });

  it("submits through a login node over ssh and pulls the run back from it", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const home = join(dir, "home-login");
    const remoteDir = join(env.FACIAL_R1_TEST_REMOTE_DIR, `slurm-login-${process.pid}`);
    const login = ["--login", env.FACIAL_R1_TEST_SSH_HOST, "--ssh-config", env.FACIAL_R1_TEST_SSH_CONFIG, "--remote-dir", remoteDir];
    // With a broken SLURM_CONF here, only the login node (whose sshd sets a working one) reaches the cluster.
    const noLocalCluster = { SLURM_CONF: "/nonexistent/slurm.conf" };
    const launched = await cli(home, ["launch", bundle, ...SLURM_FLAGS, ...login, ...setup, "--wait", "finished", "--json"], noLocalCluster);
    assert.equal(launched.code, 0, launched.stderr);
    const record = JSON.parse(launched.stdout);
    assert.match(record.slurm.jobId, /^\d+$/);
    assert.equal(record.status.state, "succeeded");
    assert.ok(record.workdir.startsWith(remoteDir), "the bundle was placed under the remote directory");
    const logs = await cli(home, ["logs", record.id, "--tail", "1"], noLocalCluster);
    assert.match(logs.stdout, /training finished/);
    const pulled = await cli(home, ["pull", record.id, "--out", join(dir, "pulled-login"), "--no-weights", "--json"], noLocalCluster);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.ok(JSON.parse(pulled.stdout).metricsRows > 0);
    await rm(remoteDir, { recursive: true, force: true });
  });

  it("gives every node of a 2-node job the same rendezvous and its own rank", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const home = join(dir, "home-2n");
    // Two tasks on the one test node stand in for two nodes.
    const launched = await cli(home, ["launch", bundle, ...SLURM_FLAGS, "--master-port", "29611", ...setup, "--wait", "finished", "--json"], {
      ...env,
      FACIAL_R1_SLURM_TASKS_PER_NODE: "2",
    });
    assert.equal(launched.code, 0, launched.stderr);
    // The run's own output folder: both tasks got the OUTPUT_DIR the sbatch script exports.
    const output = join(bundle, "outputs", "quickstart", runIdOf(launched), "rendezvous");
    const ranks = await Promise.all([0, 1].map(async (r) => JSON.parse(await readFile(join(output, `node-${r}.json`), "utf8"))));
    for (const [rank, seen] of ranks.entries()) {
      assert.equal(seen.node_rank, rank);
      assert.equal(seen.nnodes, "2");
      assert.equal(seen.master_addr, "localhost");
      assert.equal(seen.master_port, 29611);
    }
  });

  it("reports a failing job as failed with its exit code", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const launched = await cli(join(dir, "home-fail"), ["launch", bundle, ...SLURM_FLAGS, ...setup, "--wait", "finished", "--json"], { ...env, STANDIN_FAIL_AT_STEP: "1" });
    assert.equal(launched.code, 1);
    const { status } = JSON.parse(launched.stdout);
    assert.equal(status.state, "failed");
    assert.equal(status.exitCode, 3);
    assert.match(status.reason, /simulated failure at step 1/);
  });

  it("cancels a running job (scancel)", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const home = join(dir, "home-cancel");
    const id = runIdOf(await cli(home, ["launch", bundle, ...SLURM_FLAGS, ...setup, "--wait", "running", "--json"], { ...env, STANDIN_STEP_SECONDS: "60" }));
    assert.equal((await cli(home, ["cancel", id], env)).code, 0);
    const status = JSON.parse((await cli(home, ["status", id, "--json"], env)).stdout);
    assert.equal(status.state, "cancelled");
  });

  it("reports a job killed by its time limit", { timeout: 240_000 }, async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const launched = await cli(join(dir, "home-time"), ["launch", bundle, ...SLURM_FLAGS, "--time", "1", ...setup, "--wait", "finished", "--json"], { ...env, STANDIN_STEP_SECONDS: "300" });
    assert.equal(launched.code, 1);
    const { status } = JSON.parse(launched.stdout);
    assert.equal(status.state, "failed");
    assert.match(status.reason, /time limit/);
  });

  it("refuses an sbatch option that is not one", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const result = await cli(join(dir, "home-bad"), ["launch", bundle, ...SLURM_FLAGS, "--sbatch-option", "mem=0"], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not an sbatch option/);
  });
});
