import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { testPython } from "../helpers/python-env.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { hubEnv, sha256, startStandIn, writeCheckpoint, writeDataset } from "./fixtures.js";

/** The git blob id the Hub gives a regular (non-LFS) file: what huggingface_hub names its blob. */
function gitBlobId(data: Buffer): string {
  return createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
}

interface PullResult {
  commit: string;
  snapshot: string;
  files: number;
  downloaded: number;
  revision: string;
}

describe("hub pull-model / pull-dataset", () => {
  let server: HubStandIn;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let checkpoint: Awaited<ReturnType<typeof writeCheckpoint>>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = await tempDir();
    server = await startStandIn();
    env = hubEnv(server, tmp.dir);
    checkpoint = await writeCheckpoint(join(tmp.dir, "checkpoint"));
    const pushed = await runCli(["hub", "push-model", checkpoint.dir, "--repo", "lab/model", "--json"], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("writes the Hugging Face cache layout: refs/<revision>, blobs/<etag>, snapshots/<commit>/ symlinks into the blobs", async () => {
    const cache = join(tmp.dir, "cache-full");
    const result = await runCli(["hub", "pull-model", "lab/model", "--cache-dir", cache, "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const pulled = JSON.parse(result.stdout) as PullResult;
    const repoDir = join(cache, "models--lab--model");
    const head = server.repos.get("model/lab/model")!.branches.get("main")!.sha;
    assert.equal(pulled.commit, head);
    assert.equal(await readFile(join(repoDir, "refs", "main"), "utf8"), head);
    assert.equal(resolve(pulled.snapshot), join(repoDir, "snapshots", head));

    const remote = server.files("model", "lab/model")!;
    assert.deepEqual((await readdir(pulled.snapshot)).sort(), [...remote.keys()].sort());
    for (const [path, entry] of remote) {
      const link = join(pulled.snapshot, path);
      assert.ok((await lstat(link)).isSymbolicLink(), `${path} is a symlink`);
      const target = await readlink(link);
      assert.ok(!target.startsWith("/"), `${path}: relative link ${target}`);
      const blob = resolve(dirname(link), target);
      assert.equal(dirname(blob), join(repoDir, "blobs"));
      const content = await readFile(blob);
      // Blobs are named as huggingface_hub names them: sha256 for LFS files, the git blob id otherwise.
      assert.equal(blob.split("/").pop(), entry.lfsOid ? sha256(content) : gitBlobId(content), path);
      if (checkpoint.kept.includes(path)) assert.deepEqual(content, await readFile(join(checkpoint.dir, path)), path);
    }
    assert.equal(pulled.files, remote.size);

    // Again: every file is in the cache, nothing is downloaded, and stdout stays one JSON document.
    const again = await runCli(["hub", "pull-model", "lab/model", "--cache-dir", cache, "--json"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as PullResult).downloaded, 0);
  });

  it("resolves from the cache it wrote with the real huggingface_hub offline (HF_HUB_OFFLINE=1, local_files_only)", async (t) => {
    const python = testPython(t);
    if (!python) return;
    const cache = join(tmp.dir, "cache-python");
    const pulled = await runCli(["hub", "pull-model", "lab/model", "--cache-dir", cache, "--json"], { env });
    assert.equal(pulled.code, 0, pulled.stderr);
    const script = [
      "import json, sys",
      "from huggingface_hub import hf_hub_download, snapshot_download",
      "snapshot = snapshot_download('lab/model', cache_dir=sys.argv[1], local_files_only=True)",
      "config = hf_hub_download('lab/model', 'config.json', cache_dir=sys.argv[1], local_files_only=True)",
      "print(json.dumps({'snapshot': snapshot, 'config': open(config).read()}))",
    ].join("\n");
    const read = spawnSync(python, ["-c", script, cache], { encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" } });
    assert.equal(read.status, 0, read.stderr);
    const out = JSON.parse(read.stdout) as { snapshot: string; config: string };
    const result = JSON.parse(pulled.stdout) as PullResult;
    assert.equal(resolve(out.snapshot), resolve(result.snapshot));
    assert.equal(out.config, await readFile(join(checkpoint.dir, "config.json"), "utf8"));
  });

  it("pulls only the files --allow names and --ignore leaves, at a tag", async () => {
    const tagged = await runCli(["hub", "push-model", checkpoint.dir, "--repo", "lab/model", "--revision", "round-1", "--tag", "v1", "--json"], { env });
    assert.equal(tagged.code, 0, tagged.stderr);
    const cache = join(tmp.dir, "cache-some");
    const result = await runCli(["hub", "pull-model", "lab/model", "--revision", "v1", "--allow", "*.json", "--allow", "*.safetensors", "--ignore", "tokenizer*", "--cache-dir", cache, "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const pulled = JSON.parse(result.stdout) as PullResult;
    assert.equal(await readFile(join(cache, "models--lab--model", "refs", "v1"), "utf8"), pulled.commit);
    assert.deepEqual((await readdir(pulled.snapshot)).sort(), [
      "config.json",
      "generation_config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "trainer_state.json",
    ]);
  });

  it("pulls a dataset pushed in the image-folder layout, sub-folders included", async () => {
    const data = await writeDataset(join(tmp.dir, "data"));
    const pushed = await runCli(["hub", "push-dataset", data.train, data.test, "--repo", "lab/fea", "--images", data.images, "--layout", "imagefolder", "--json"], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
    const cache = join(tmp.dir, "cache-data");
    const result = await runCli(["hub", "pull-dataset", "lab/fea", "--allow", "test/", "--cache-dir", cache, "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const pulled = JSON.parse(result.stdout) as PullResult;
    const metadata = (await readFile(join(pulled.snapshot, "test", "metadata.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { file_name: string });
    assert.equal(metadata.length, 4);
    for (const row of metadata) assert.ok(existsSync(join(pulled.snapshot, "test", row.file_name)), row.file_name);
    assert.ok(!existsSync(join(pulled.snapshot, "train")), "train/ was not asked for");
  });

  it("reports a missing repository or revision with exit code 1 and no cache entry", async () => {
    const cache = join(tmp.dir, "cache-missing");
    const missing = await runCli(["hub", "pull-model", "lab/nothing", "--cache-dir", cache], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /HTTP 404/);
    const badRevision = await runCli(["hub", "pull-model", "lab/model", "--revision", "no-such-branch", "--cache-dir", cache], { env });
    assert.equal(badRevision.code, 1);
    assert.match(badRevision.stderr, /no-such-branch/);
    assert.ok(!existsSync(join(cache, "models--lab--model", "refs", "no-such-branch")));
  });
});
