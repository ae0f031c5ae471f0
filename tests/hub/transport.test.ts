import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { TOKEN, download, hubEnv, png, sha256, startStandIn, writeDataset } from "./fixtures.js";

describe("hub credentials, faults and retries", () => {
  let server: HubStandIn;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let data: Awaited<ReturnType<typeof writeDataset>>;

  before(async () => {
    tmp = await tempDir("facial-r1-hub-faults-");
    data = await writeDataset(tmp.dir);
    // Small tree pages, so that listing follows the Link header.
    server = await startStandIn({ pageSize: 4 });
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("recovers from 500 and 429 + retry-after on the commit, and from a 500 and a reset connection during LFS PUTs", async () => {
    server.setFaults({ commit: { count: 2, status: 500 }, put: { count: 1, reset: true } });
    const first = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/faulty", "--images", data.images, "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /commit request: HTTP 500, retry 1/);
    assert.match(first.stderr, /LFS upload: [A-Z_]+, retry 1/);
    server.setFaults({ commit: { count: 1, status: 429, retryAfter: 1 }, put: { count: 1, status: 500 } });
    // A new image so that the second push has an LFS PUT to fail.
    await writeFile(join(data.images, "faces", "train", "0.png"), png(555));
    const second = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/faulty", "--images", data.images, "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /commit request: HTTP 429, retry 1 in 1\.0 s/);
    assert.match(second.stderr, /LFS upload: HTTP 500, retry 1/);
    const summary = JSON.parse(second.stdout) as { retries: number; lfs_uploaded: number };
    assert.equal(summary.retries, 2);
    assert.equal(summary.lfs_uploaded, 1);
    for (const path of data.referenced.filter((p) => p.startsWith("faces/train/"))) {
      const pushed = await download(server, "datasets/", "lab/faulty", `images/${path}`);
      assert.equal(sha256(pushed), sha256(await readFile(join(data.images, path))), path);
    }
  });

  it("a wrong token: exit 1 with a message naming where the token came from", async () => {
    const result = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/x"], { env: hubEnv(server, tmp.dir, "hf_wrongWRONGwrong") });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /rejected the token in \$HF_TOKEN \(HTTP 401\) while checking the token \(whoami\)/);
    assert.ok(!result.stderr.includes("hf_wrongWRONGwrong"));
  });

  it("no token: a clear message naming HF_TOKEN and the token file; the token file is used when HF_TOKEN is unset", async () => {
    const home = join(tmp.dir, "hf-home");
    const missing = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/x"], { env: hubEnv(server, home, "") });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no Hugging Face token: set the environment variable HF_TOKEN/);
    assert.ok(missing.stderr.includes(join(home, "token")));
    await mkdir(home, { recursive: true });
    await writeFile(join(home, "token"), `${TOKEN}\n`);
    const fromFile = await runCli(["hub", "push-dataset", data.train, "--repo", "lab/from-file", "--json"], { env: hubEnv(server, home, "") });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.ok(server.files("dataset", "lab/from-file")?.has("data/train.jsonl"));
  });

  it("the stand-in pages tree listings and answers paths-info, as read by @huggingface/hub", async () => {
    const { listFiles, pathsInfo, downloadFile } = await import("@huggingface/hub");
    const files: string[] = [];
    for await (const entry of listFiles({ repo: { type: "dataset", name: "lab/faulty" }, recursive: true, hubUrl: server.url, accessToken: TOKEN })) {
      if (entry.type === "file") files.push(entry.path);
    }
    const stored = [...server.files("dataset", "lab/faulty")!.keys()].sort();
    assert.deepEqual(files.sort(), stored);
    assert.ok(server.requests.filter((r) => r.path.includes("/tree/")).length > 2, "listing took several pages");
    const info = await pathsInfo({ repo: { type: "dataset", name: "lab/faulty" }, paths: ["data/train.jsonl", "images/faces/train/1.png"], hubUrl: server.url, accessToken: TOKEN });
    assert.equal(info.length, 2);
    assert.equal(info.find((i) => i.path === "images/faces/train/1.png")?.lfs?.oid, sha256(await readFile(join(data.images, "faces/train/1.png"))));
    const blob = await downloadFile({ repo: { type: "dataset", name: "lab/faulty" }, path: "data/train.jsonl", hubUrl: server.url, accessToken: TOKEN });
    assert.ok(blob);
    assert.equal(sha256(new Uint8Array(await blob.arrayBuffer())), sha256(await readFile(data.train)));
  });
});
