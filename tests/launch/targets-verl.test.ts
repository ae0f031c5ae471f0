import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { cli, launchEnv, standInTrainer } from "./fixture.js";
import { plannedQuickstart } from "../targets/ray-targets.js";

/** Slurm options that fit the one-node test cluster (no GPUs, shared node). */
const SLURM_FLAGS = ["--backend", "slurm", "--gpus-per-node", "0", "--no-exclusive"];

for (const target of ["verl", "easyr1"] as const) {
  describe(`${target} bundle on the real Slurm, against the ${target} and ray stand-ins`, () => {
    let dir: string;
    let bundle: string;
    let setup: string[];

    before(async () => {
      ({ dir, bundle } = await plannedQuickstart(target));
      setup = [...(await standInTrainer(dir, target)), "--setup", `export RAY_STANDIN_DIR=${join(dir, "ray")}`];
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it("runs on two nodes (two tasks), the Ray cluster formed by both, and pulls metrics", async (t) => {
      const env = launchEnv(t);
      if (!env) return;
      const home = join(dir, "home");
      const port = String(21000 + (process.pid % 20000) + (target === "verl" ? 0 : 1));
      const launched = await cli(home, ["launch", bundle, ...SLURM_FLAGS, "--master-port", port, ...setup, "--wait", "finished", "--json"], { ...env, FACIAL_R1_SLURM_TASKS_PER_NODE: "2" });
      assert.equal(launched.code, 0, launched.stderr);
      const record = JSON.parse(launched.stdout);
      assert.equal(record.status.state, "succeeded");
      const calls = (await readFile(join(dir, "ray", "calls.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(calls.some((c) => c.command === "start" && c.head && c.node === "0" && c.port === Number(port)), "node 0 started the head");
      assert.ok(calls.some((c) => c.command === "start" && !c.head && c.node === "1" && c.address === `localhost:${port}`), "node 1 joined it");
      const out = join(dir, "pulled");
      const pulled = await cli(home, ["pull", record.id, "--out", out, "--no-weights", "--json"], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal(JSON.parse(pulled.stdout).metricsRows, 2);
      const rows = (await readFile(join(out, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(rows.map((r) => r.step), [1, 2]);
      for (const row of rows) assert.ok(row.reward > 0, "reward charted from the trainer's own key");
      assert.match(await readFile(join(out, "metrics.csv"), "utf8"), /^step,.*reward/);
    });

    it("runs over ssh (real sshd on 127.0.0.1) on one node and pulls metrics", async (t) => {
      const env = launchEnv(t);
      if (!env) return;
      const home = join(dir, "home-ssh");
      const remoteDir = join(env.FACIAL_R1_TEST_REMOTE_DIR, `${target}-ssh-${process.pid}`);
      const ssh = ["--backend", "ssh", "--host", env.FACIAL_R1_TEST_SSH_HOST, "--ssh-config", env.FACIAL_R1_TEST_SSH_CONFIG, "--remote-dir", remoteDir];
      const sshSetup = [...setup.slice(0, -1), `export RAY_STANDIN_DIR=${join(dir, "ray-ssh")}`];
      try {
        const launched = await cli(home, ["launch", bundle, ...ssh, ...sshSetup, "--wait", "finished", "--json"], env);
        assert.equal(launched.code, 0, launched.stderr);
        const record = JSON.parse(launched.stdout) as { id: string; workdir: string; status: { state: string } };
        assert.equal(record.status.state, "succeeded");
        assert.ok(record.workdir.startsWith(remoteDir), "the run's folder is on the remote side");
        // One node: the trainer's own ray.init() starts a local cluster; no `ray start` is run.
        const calls = await readFile(join(dir, "ray-ssh", "calls.jsonl"), "utf8").catch(() => "");
        assert.doesNotMatch(calls, /"command":\s*"start"/);
        const out = join(dir, "pulled-ssh");
        const pulled = await cli(home, ["pull", record.id, "--out", out, "--json"], env);
        assert.equal(pulled.code, 0, pulled.stderr);
        const report = JSON.parse(pulled.stdout) as { metricsRows: number; checkpoints: { name: string; step: number; action: string }[] };
        assert.ok(report.metricsRows >= 1);
        // The trainer's own checkpoint layout comes back: the last global_step_N with its actor shards.
        const fetched = report.checkpoints.filter((c) => c.action === "fetched");
        assert.equal(fetched.length, 1, JSON.stringify(report.checkpoints));
        assert.equal(fetched[0].name, `global_step_${fetched[0].step}`);
        assert.ok((await readdir(join(out, "checkpoints", fetched[0].name, "actor"))).some((f) => f.endsWith(".pt")));
        const rows = (await readFile(join(out, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
        for (const row of rows) assert.ok(row.reward > 0, "reward charted from the trainer's own key");
      } finally {
        await rm(remoteDir, { recursive: true, force: true });
      }
    });
  });
}
