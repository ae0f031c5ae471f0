import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { TOKEN, download, hubEnv, record, sha256, startStandIn, writeDataset } from "./fixtures.js";

describe("hub push --revision BRANCH", () => {
  let server: HubStandIn;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let data: Awaited<ReturnType<typeof writeDataset>>;

  before(async () => {
    tmp = await tempDir("facial-r1-hub-branch-");
    data = await writeDataset(tmp.dir);
    server = await startStandIn();
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("creates a missing branch from the default branch, commits to it and leaves main as it was; a second push reuses the branch", async () => {
    const env = hubEnv(server, tmp.dir);
    const onMain = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/rounds", "--json"], { env });
    assert.equal(onMain.code, 0, onMain.stderr);
    const mainBefore = new Map(server.files("dataset", "lab/rounds")!);
    const mainSha = server.repos.get("dataset/lab/rounds")!.branches.get("main")!.sha;

    const args = ["hub", "push-dataset", data.train, data.test, "--repo", "lab/rounds", "--images", data.images, "--revision", "round-1", "--json"];
    const first = await runCli(args, { env });
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    assert.equal(summary.revision, "round-1");
    assert.equal(summary.branch_created, true);
    assert.equal(typeof summary.commit, "string");
    // The branch started as a copy of main, so data/train.jsonl was already there: only the rest is committed.
    assert.equal(summary.unchanged, 1);
    assert.match(first.stderr, /created branch round-1 of lab\/rounds from its default branch/);
    assert.match(first.stderr, /pushed to .* \(round-1, commit [0-9a-f]+\)/);

    for (const [local, remote] of [
      [data.train, "data/train.jsonl"],
      [data.test, "data/test.jsonl"],
      ...data.referenced.map((p) => [join(data.images, p), `images/${p}`]),
    ]) {
      const pushed = await download(server, "datasets/", "lab/rounds", remote, "round-1");
      assert.equal(sha256(pushed), sha256(await readFile(local)), remote);
    }
    const card = (await download(server, "datasets/", "lab/rounds", "README.md", "round-1")).toString();
    assert.match(card, /\| test \| `data\/test.jsonl` \| 4 \| 0 \|/);

    const repo = server.repos.get("dataset/lab/rounds")!;
    assert.equal(repo.branches.get("main")!.sha, mainSha, "main has no new commit");
    assert.deepEqual([...server.files("dataset", "lab/rounds")!.keys()].sort(), [...mainBefore.keys()].sort());
    await assert.rejects(download(server, "datasets/", "lab/rounds", "data/test.jsonl"), /HTTP 404/);

    // Pushing again to the existing branch: a changed test split is committed there, nothing else is sent.
    const changed = join(tmp.dir, "round2", "test.jsonl");
    await mkdir(join(tmp.dir, "round2"));
    await writeFile(changed, `${[0, 1, 2].map((i) => JSON.stringify(record(i, "test"))).join("\n")}\n`);
    const putsBefore = server.lfsPuts;
    const second = await runCli(["hub", "push-dataset", data.train, changed, "--repo", "lab/rounds", "--images", data.images, "--revision", "round-1", "--json"], { env });
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as Record<string, unknown>;
    assert.equal(again.branch_created, false);
    assert.equal(typeof again.commit, "string");
    assert.doesNotMatch(second.stderr, /created branch/);
    assert.equal(server.lfsPuts, putsBefore, "the images are on the branch already");
    const pushed = await download(server, "datasets/", "lab/rounds", "data/test.jsonl", "round-1");
    assert.equal(sha256(pushed), sha256(await readFile(changed)));
    assert.equal(repo.branches.get("main")!.sha, mainSha);
  });

  it("pushes a model to a branch of a repository it creates", async () => {
    const dir = join(tmp.dir, "tiny-model");
    await mkdir(dir);
    await writeFile(join(dir, "config.json"), JSON.stringify({ model_type: "qwen2_5_vl" }));
    await writeFile(join(dir, "model.safetensors"), Buffer.alloc(1000, 9));
    const result = await runCli(["hub", "push-model", dir, "--repo", "lab/tiny", "--revision", "exp/a-1", "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(summary.created, true);
    assert.equal(summary.branch_created, true);
    const config = await download(server, "", "lab/tiny", "config.json", "exp/a-1");
    assert.deepEqual(JSON.parse(config.toString()), { model_type: "qwen2_5_vl" });
    assert.equal(server.files("model", "lab/tiny")!.size, 0, "main of the new repository stays empty");
  });

  it("refuses an invalid branch name before any request, with exit code 2", async () => {
    for (const bad of ["bad..name", "refs/pr/1", "a b", "x/.lock"]) {
      const before = server.requests.length;
      const result = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/rounds", "--revision", bad], { env: hubEnv(server, tmp.dir) });
      assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
      assert.match(result.stderr, /--revision must be a branch name: .*got "/, bad);
      assert.equal(server.requests.length, before, `${bad}: no request`);
    }
  });

  it("stand-in branch endpoint answers as the Hub: 409 when the branch exists, startingPoint, emptyBranch, overwrite", async () => {
    const hub = await import("@huggingface/hub");
    const common = { accessToken: TOKEN, hubUrl: server.url, repo: { type: "dataset" as const, name: "lab/rounds" } };
    const repo = server.repos.get("dataset/lab/rounds")!;
    await assert.rejects(hub.createBranch({ ...common, branch: "round-1" }), (err: { statusCode?: number }) => err.statusCode === 409);
    await hub.createBranch({ ...common, branch: "from-round", revision: "round-1" });
    assert.equal(repo.branches.get("from-round")!.sha, repo.branches.get("round-1")!.sha);
    await hub.createBranch({ ...common, branch: "blank", empty: true });
    assert.equal(repo.branches.get("blank")!.files.size, 0);
    await hub.createBranch({ ...common, branch: "blank", overwrite: true });
    assert.equal(repo.branches.get("blank")!.files.size, 0, "overwrite alone keeps the branch");
    await hub.createBranch({ ...common, branch: "blank", revision: "main", overwrite: true });
    assert.equal(repo.branches.get("blank")!.sha, repo.branches.get("main")!.sha);
    await assert.rejects(hub.createBranch({ ...common, branch: "x", revision: "nope" }), (err: { statusCode?: number }) => err.statusCode === 404);
    await assert.rejects(hub.createBranch({ ...common, branch: "a..b" }), (err: { statusCode?: number }) => err.statusCode === 400);
  });
});
