import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli, planBundle, scratch, launchEnv, standInTrainer } from "./fixture.js";
import { ROOT } from "../helpers/cli.js";
import { SshExecutor } from "../../src/launch/executor.js";
import { sha256File } from "../../src/util/fs.js";

describe("ssh backend (real sshd on 127.0.0.1)", () => {
  let dir: string;
  let bundle: string;
  let setup: string[];

  before(async () => {
    dir = await scratch();
    // Executors made in this process keep their ssh control sockets here, not in the user's home.
    process.env.FACIAL_R1_HOME = join(dir, "home-in-process");
    bundle = await planBundle(dir);
    setup = await standInTrainer(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("copies the bundle over, runs it detached and pulls the run back", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const home = join(dir, "home");
    const remoteDir = join(env.FACIAL_R1_TEST_REMOTE_DIR, `ssh-test-${process.pid}`);
    const ssh = ["--backend", "ssh", "--host", env.FACIAL_R1_TEST_SSH_HOST, "--ssh-config", env.FACIAL_R1_TEST_SSH_CONFIG, "--remote-dir", remoteDir];
    const launched = await cli(home, ["launch", bundle, ...ssh, ...setup, "--wait", "finished", "--json"]);
    assert.equal(launched.code, 0, launched.stderr);
    const record = JSON.parse(launched.stdout);
    assert.equal(record.status.state, "succeeded");
    assert.ok(record.workdir.startsWith(remoteDir));
    // The run directory is hard links to the bundle uploaded once under .bundles/.
    const staged = await readdir(join(remoteDir, ".bundles"));
    assert.equal(staged.length, 1);
    assert.ok((await stat(join(record.workdir, "manifest.json"))).nlink >= 2);
    const again = await cli(home, ["launch", bundle, ...ssh, ...setup, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await readdir(join(remoteDir, ".bundles")), staged, "the same bundle is not uploaded twice");
    assert.equal((await cli(home, ["status", JSON.parse(again.stdout).id, "--wait"])).code, 0);

    // Every call to the host went through one shared connection, whose socket lives in the state home.
    const sockets = await readdir(join(home, "ssh"));
    assert.equal(sockets.length, 1);
    assert.ok((await stat(join(home, "ssh", sockets[0]))).isSocket());

    const logs = await cli(home, ["logs", record.id, "--tail", "1"]);
    assert.match(logs.stdout, /training finished/);

    const out = join(dir, "pulled");
    const pulled = JSON.parse((await cli(home, ["pull", record.id, "--out", out, "--json"])).stdout);
    assert.deepEqual(pulled.checkpoints.map((c: { action: string }) => c.action), ["fetched"]);
    assert.ok(pulled.metricsRows > 0);
    assert.match(await readFile(join(out, "job.log"), "utf8"), /stand-in: training finished/);
    await rm(remoteDir, { recursive: true, force: true });
  });

  it("resumes an upload cut by a dropped connection, without corruption", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const local = join(dir, "big-bundle");
    const payload = join(local, "weights.bin");
    await rm(local, { recursive: true, force: true });
    await mkdir(local, { recursive: true });
    await writeFile(payload, randomBytes(24 * 1024 * 1024));
    const remote = join(env.FACIAL_R1_TEST_REMOTE_DIR, `resume-test-${process.pid}`);
    await rm(remote, { recursive: true, force: true });

    // A config whose connection dies after 8 MiB, like a network that fails mid-upload.
    const flaky = join(dir, "flaky_ssh_config");
    const port = /Port (\d+)/.exec(await readFile(env.FACIAL_R1_TEST_SSH_CONFIG, "utf8"))![1];
    await writeFile(flaky, `${(await readFile(env.FACIAL_R1_TEST_SSH_CONFIG, "utf8")).replace(/HostName .*/, `HostName 127.0.0.1\n  ProxyCommand python3 ${join(ROOT, "tests", "infra", "drop-proxy.py")} 127.0.0.1 ${port} 8388608`)}`);
    const dropping = new SshExecutor({ host: env.FACIAL_R1_TEST_SSH_HOST, config_file: flaky, workdir: remote });
    await assert.rejects(dropping.pushDir(local, remote), /rsync with .* failed/);
    await assert.rejects(stat(join(remote, "weights.bin")), "no half-written file in place");

    const steady = new SshExecutor({ host: env.FACIAL_R1_TEST_SSH_HOST, config_file: env.FACIAL_R1_TEST_SSH_CONFIG, workdir: remote });
    await steady.pushDir(local, remote);
    assert.equal(await sha256File(join(remote, "weights.bin")), await sha256File(payload));
    await rm(remote, { recursive: true, force: true });
  });

  it("works from a state folder whose path leaves no room for ssh's control socket, without sharing", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const saved = process.env.FACIAL_R1_HOME;
    // 45 characters of folder are the most a socket path of 104 bytes leaves; this one has 52.
    const home = join(dir, "h".repeat(Math.max(1, 52 - join(dir, "", "ssh").length)));
    assert.ok(join(home, "ssh").length > 45);
    process.env.FACIAL_R1_HOME = home;
    try {
      const executor = new SshExecutor({ host: env.FACIAL_R1_TEST_SSH_HOST, config_file: env.FACIAL_R1_TEST_SSH_CONFIG, workdir: "/tmp" });
      assert.equal((await executor.exec("echo $((6 * 7))")).stdout.trim(), "42");
      await assert.rejects(stat(join(home, "ssh")), "no control socket directory");
    } finally {
      if (saved === undefined) delete process.env.FACIAL_R1_HOME;
      else process.env.FACIAL_R1_HOME = saved;
    }
  });

  it("opens a connection per call when sharing is turned off", async (t) => {
    const env = launchEnv(t);
    if (!env) return;
    const saved = { home: process.env.FACIAL_R1_HOME, sharing: process.env.FACIAL_R1_SSH_SHARING };
    const home = join(dir, "home-unshared");
    process.env.FACIAL_R1_HOME = home;
    process.env.FACIAL_R1_SSH_SHARING = "0";
    try {
      const executor = new SshExecutor({ host: env.FACIAL_R1_TEST_SSH_HOST, config_file: env.FACIAL_R1_TEST_SSH_CONFIG, workdir: "/tmp" });
      assert.equal((await executor.exec("echo $((6 * 7))")).stdout.trim(), "42");
      await assert.rejects(stat(join(home, "ssh")), "no control socket directory");
    } finally {
      for (const [name, value] of [["FACIAL_R1_HOME", saved.home], ["FACIAL_R1_SSH_SHARING", saved.sharing]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
