import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../helpers/cli.js";
import { cli, launchEnv } from "./fixture.js";
import { openRlhfConfig, planOpenRlhf } from "../targets/openrlhf-fixture.js";

const SLURM_FLAGS = ["--backend", "slurm", "--gpus-per-node", "0", "--no-exclusive"];

/** launch --setup lines: the stand-in ray first on PATH, a private copy of the OpenRLHF stand-in as TRAINER_HOME. */
async function setup(dir: string): Promise<string[]> {
  const home = join(dir, "trainer-openrlhf");
  await cp(join(ROOT, "tests", "stand-in", "openrlhf"), home, { recursive: true });
  const python = process.env.FACIAL_R1_TEST_PYTHON;
  const path = [join(ROOT, "tests", "stand-in", "openrlhf", "bin"), join(ROOT, "tests", "stand-in", "bin"), ...(python ? [dirname(python)] : []), "$PATH"].join(":");
  return [
    `export PATH=${path}`,
    `export PYTHONPATH=${join(ROOT, "tests", "stand-in", "python")}`,
    `export TRAINER_HOME=${home}`,
    `export HF_DATASETS_CACHE=${join(dir, "hf-datasets")}`,
    `export STANDIN_RAY_DIR=${join(dir, "ray")}`,
    `export RAY_DASHBOARD_PORT=${20000 + (process.pid % 20000)}`,
    "export RAY_POLL_SECONDS=1",
  ].flatMap((line) => ["--setup", line]);
}

describe("openrlhf bundles on the real Slurm (stand-in train_ppo_ray and ray)", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `facial-r1-openrlhf-launch-${process.pid}-`));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const nodes of [1, 2]) {
    it(`runs on ${nodes} node(s) and pulls step metrics and charts`, async (t) => {
      const env = launchEnv(t);
      if (!env) return;
      const bundle = join(dir, `bundle-${nodes}`);
      // per_device_batch 2 x 8 GPUs x nodes x accumulation 4 = 64 x nodes completions = 8 x nodes prompts per step
      await planOpenRlhf(await openRlhfConfig(dir, { name: `n${nodes}`, training: ["per_device_batch: 2"], replace: [["name: quickstart", `name: orl-${nodes}`], ["stage: grpo\n", `stage: grpo\nhardware:\n  nodes: ${nodes}\n`]] }), bundle);
      const home = join(dir, `home-${nodes}`);
      const port = String(30000 + ((process.pid * 2 + nodes) % 20000));
      const launched = await cli(home, ["launch", bundle, ...SLURM_FLAGS, "--master-port", port, ...(await setup(dir)), "--wait", "finished", "--json"], {
        ...env,
        FACIAL_R1_SLURM_TASKS_PER_NODE: String(nodes),
      });
      const record = JSON.parse(launched.stdout) as { id: string; jobDir: string; status: { state: string } };
      const jobLog = join(bundle, record.jobDir, "job.log");
      assert.equal(launched.code, 0, `${launched.stderr}\n${await readFile(jobLog, "utf8").catch(() => "")}`);
      assert.equal(record.status.state, "succeeded");
      const log = await readFile(jobLog, "utf8");
      if (nodes > 1) {
        assert.match(log, /Job 'raysubmit_\w+' succeeded/);
        assert.match(log, /node 1: the Ray cluster has finished/);
        assert.match(log, /placement groups ready \(16 of 16 GPUs\)/);
      }
      const out = join(dir, `pulled-${nodes}`);
      const pulled = await cli(home, ["pull", record.id, "--out", out, "--no-weights", "--json"], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      const report = JSON.parse(pulled.stdout);
      const steps = Math.ceil(36 / (8 * nodes));
      assert.equal(report.metricsRows, steps);
      const rows = (await readFile(join(out, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
      assert.deepEqual(rows.map((r) => r.step), Array.from({ length: steps }, (_, i) => i + 1));
      for (const row of rows) {
        for (const key of ["reward", "loss", "learning_rate", "completion_length", "rewards/format", "rewards/accuracy", "rewards/au"]) assert.equal(typeof row[key], "number", key);
      }
      assert.match(await readFile(join(out, "metrics.csv"), "utf8"), /^step,reward,reward_std,kl,loss,grad_norm,learning_rate,completion_length,clip_ratio,rewards\/accuracy,rewards\/au,rewards\/format,/);
      assert.ok((await readdir(join(out, "charts"))).some((f) => f.startsWith("rewards")));
    });
  }

  it("runs over ssh (real sshd on 127.0.0.1) on one node and pulls step metrics", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const bundle = join(dir, "bundle-ssh");
    await planOpenRlhf(await openRlhfConfig(dir, { name: "ssh", training: ["per_device_batch: 2"], replace: [["name: quickstart", "name: orl-ssh"]] }), bundle);
    const home = join(dir, "home-ssh");
    const remoteDir = join(env.FACIAL_R1_TEST_REMOTE_DIR, `openrlhf-ssh-${process.pid}`);
    const ssh = ["--backend", "ssh", "--host", env.FACIAL_R1_TEST_SSH_HOST, "--ssh-config", env.FACIAL_R1_TEST_SSH_CONFIG, "--remote-dir", remoteDir];
    try {
      const launched = await cli(home, ["launch", bundle, ...ssh, ...(await setup(dir)), "--wait", "finished", "--json"], env);
      assert.equal(launched.code, 0, launched.stderr);
      const record = JSON.parse(launched.stdout) as { id: string; workdir: string; status: { state: string } };
      assert.equal(record.status.state, "succeeded");
      assert.ok(record.workdir.startsWith(remoteDir), "the run's folder is on the remote side");
      const out = join(dir, "pulled-ssh");
      const pulled = await cli(home, ["pull", record.id, "--out", out, "--no-weights", "--json"], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      const steps = Math.ceil(36 / 8);
      assert.equal((JSON.parse(pulled.stdout) as { metricsRows: number }).metricsRows, steps);
      const rows = (await readFile(join(out, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
      assert.deepEqual(rows.map((r) => r.step), Array.from({ length: steps }, (_, i) => i + 1));
      for (const row of rows) assert.equal(typeof row["rewards/au"], "number");
    } finally {
      await rm(remoteDir, { recursive: true, force: true });
    }
  });
});
