import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import type { HubStandIn } from "../servers/hub-stand-in.js";
import { download, hubEnv, sha256, startStandIn, writeCheckpoint } from "./fixtures.js";

describe("hub push when the Hub asks for multipart uploads", () => {
  let server: HubStandIn;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let ckpt: Awaited<ReturnType<typeof writeCheckpoint>>;

  before(async () => {
    tmp = await tempDir("facial-r1-hub-multipart-");
    ckpt = await writeCheckpoint(join(tmp.dir, "checkpoint-100"));
    // model-00001 (300 kB) is sent in 3 parts; the other LFS files with a plain PUT.
    server = await startStandIn({ lfsThreshold: 100_000, multipart: { minSize: 250_000, chunkSize: 100_000 } });
  });
  after(async () => {
    await server.stop();
    await tmp.cleanup();
  });

  it("sends large objects in parts and the rest as they are, and counts each object once", async () => {
    const result = await runCli(["hub", "push-model", ckpt.dir, "--repo", "lab/parts", "--json"], { env: hubEnv(server, tmp.dir) });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Record<string, number>;
    assert.equal(server.multipartCompleted, 1);
    assert.equal(summary.lfs_uploaded, server.lfsPuts);
    assert.equal(summary.lfs_bytes_uploaded, server.lfsBytesReceived);
    assert.equal(summary.unchanged, 0);
    for (const path of ckpt.kept) {
      const pushed = await download(server, "", "lab/parts", path);
      assert.equal(sha256(pushed), sha256(await readFile(join(ckpt.dir, path))), path);
    }
  });
});
