import assert from "node:assert/strict";
import { mkdir, readFile, readdir, readlink, rename, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { download, hubEnv, sha256, startStandIn, writeCheckpoint } from "./fixtures.js";

interface PushJson {
  files?: { path: string }[];
  skipped: { path: string; reason: string }[];
}

// A checkpoint pulled into the Hugging Face cache is all symbolic links into ../../blobs/:
// pushing that snapshot folder must push every file's bytes, and a weights file that cannot
// be pushed must stop the push.
describe("hub push-model of folders made of symbolic links", () => {
  let server: HubStandIn;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let env: NodeJS.ProcessEnv;
  let checkpoint: Awaited<ReturnType<typeof writeCheckpoint>>;
  /** lab/source pulled into a cache of its own: the snapshot folder. */
  let snapshot: string;

  before(async () => {
    tmp = await tempDir("facial-r1-hub-links-");
    server = await startStandIn({ lfsThreshold: 100_000 });
    env = hubEnv(server, tmp.dir);
    checkpoint = await writeCheckpoint(join(tmp.dir, "checkpoint"));
    const pushed = await runCli(["hub", "push-model", checkpoint.dir, "--repo", "lab/source"], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pulled = await runCli(["hub", "pull-model", "lab/source", "--cache-dir", join(tmp.dir, "cache"), "--json"], { env });
    assert.equal(pulled.code, 0, pulled.stderr);
    snapshot = (JSON.parse(pulled.stdout) as { snapshot: string }).snapshot;
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("pushes a pulled cache snapshot: every link into blobs/ is followed and its bytes are pushed", async () => {
    for (const name of await readdir(snapshot)) assert.match(await readlink(join(snapshot, name)), /^\.\.\/\.\.\/blobs\//, name);
    const result = await runCli(["hub", "push-model", snapshot, "--repo", "lab/copy", "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const stored = server.files("model", "lab/copy")!;
    assert.deepEqual([...stored.keys()].sort(), ["README.md", ...checkpoint.kept].sort());
    for (const path of checkpoint.kept) {
      assert.equal(sha256(await download(server, "", "lab/copy", path)), sha256(await readFile(join(checkpoint.dir, path))), path);
    }
    // The pulled card is replaced by a new one, and said so.
    assert.deepEqual((JSON.parse(result.stdout) as PushJson).skipped.map((s) => s.path), ["README.md"]);
  });

  // After the test above: it breaks the snapshot.
  it("a weight shard whose blob is gone: exit 2, the shard and why in one line, nothing pushed", async () => {
    const shard = "model-00002-of-00002.safetensors";
    const blob = resolve(snapshot, await readlink(join(snapshot, shard)));
    await rename(blob, `${blob}.moved`);
    const commitsBefore = server.requests.filter((r) => r.path.includes("/commit/")).length;
    const result = await runCli(["hub", "push-model", snapshot, "--repo", "lab/broken"], { env });
    assert.equal(result.code, 2, result.stderr);
    const errors = result.stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0], new RegExp(`weights missing, nothing pushed: ${shard.replace(/\./g, "\\.")} \\(broken symbolic link to \\.\\./\\.\\./blobs/[0-9a-f]+ \\(the target does not exist\\)\\)`));
    assert.equal(server.files("model", "lab/broken"), undefined, "the repository got files");
    assert.equal(server.requests.filter((r) => r.path.includes("/commit/")).length, commitsBefore, "a commit was made");
  });

  it("a link out of the folder is skipped with its reason; a shard that is such a link stops the push", async () => {
    const dir = join(tmp.dir, "linked");
    await mkdir(join(dir, "weights"), { recursive: true });
    const outside = join(tmp.dir, "outside.safetensors");
    await writeFile(outside, Buffer.alloc(1000, 9));
    await writeFile(join(dir, "config.json"), "{}");
    // Inside the folder: followed, its bytes pushed under the link's name.
    await writeFile(join(dir, "weights", "real.safetensors"), Buffer.alloc(500, 1));
    await symlink(join("weights", "real.safetensors"), join(dir, "model.safetensors"));
    await symlink(outside, join(dir, "extra.safetensors"));
    const refused = await runCli(["hub", "push-model", dir, "--repo", "lab/linked", "--dry-run"], { env });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^error: .*linked: weights missing, nothing pushed: extra\.safetensors \(symbolic link to .*outside\.safetensors, outside the checkpoint folder\)$/m);

    // Not weights: named in a warning, and the rest is pushed.
    await rename(join(dir, "extra.safetensors"), join(dir, "notes.txt"));
    await symlink(join(dir, "gone.json"), join(dir, "tokenizer.json"));
    const result = await runCli(["hub", "push-model", dir, "--repo", "lab/linked", "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^warning: .*linked: notes\.txt: not pushed: symbolic link to .*outside\.safetensors, outside the checkpoint folder$/m);
    assert.match(result.stderr, /^warning: .*linked: tokenizer\.json: not pushed: broken symbolic link to .*gone\.json \(the target does not exist\)$/m);
    const skipped = (JSON.parse(result.stdout) as PushJson).skipped;
    assert.deepEqual(skipped.map((s) => s.path), ["notes.txt", "tokenizer.json"]);
    const stored = server.files("model", "lab/linked")!;
    assert.deepEqual([...stored.keys()].sort(), ["README.md", "config.json", "model.safetensors", "weights/real.safetensors"]);
    assert.deepEqual(await download(server, "", "lab/linked", "model.safetensors"), Buffer.alloc(500, 1));
  });

  it("a shard the weight index lists but the folder lacks stops the push", async () => {
    const dir = join(tmp.dir, "partial");
    await mkdir(dir);
    await writeFile(join(dir, "config.json"), "{}");
    await writeFile(join(dir, "model-00001-of-00002.safetensors"), Buffer.alloc(100, 1));
    const index = { weight_map: { "a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors" } };
    await writeFile(join(dir, "model.safetensors.index.json"), JSON.stringify(index));
    // The Trainer's arguments are a .bin but not weights.
    await writeFile(join(dir, "training_args.bin"), Buffer.alloc(10, 3));
    const result = await runCli(["hub", "push-model", dir, "--repo", "lab/partial", "--dry-run"], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /weights missing, nothing pushed: model-00002-of-00002\.safetensors \(listed in model\.safetensors\.index\.json, not in the folder\)$/m);

    await mkdir(join(dir, "only-args"));
    await writeFile(join(dir, "only-args", "config.json"), "{}");
    await writeFile(join(dir, "only-args", "training_args.bin"), Buffer.alloc(10, 3));
    const noWeights = await runCli(["hub", "push-model", join(dir, "only-args"), "--repo", "lab/partial", "--dry-run"], { env });
    assert.equal(noWeights.code, 2, noWeights.stderr);
    assert.match(noWeights.stderr, /no weights \(\*\.safetensors or \*\.bin\) in the checkpoint folder/);
  });
});
