import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertOutcome, isRoot, makeFifo, runCli, snapshot } from "./harness.js";

const SHARD = "model-00002-of-00002.safetensors";

/** Ways the second weight shard of a checkpoint folder can be there and still not be pushable. */
const SHARD_FAULTS: { name: string; make: (dir: string, shard: string) => Promise<void>; reason: RegExp }[] = [
  { name: "a broken symbolic link", make: (dir, shard) => symlink("../blobs/gone", shard), reason: /broken symbolic link to \.\.\/blobs\/gone \(the target does not exist\)/ },
  {
    name: "a symbolic link out of the folder",
    make: async (dir, shard) => {
      await writeFile(join(dir, "elsewhere.safetensors"), Buffer.alloc(64, 2));
      await symlink(join(dir, "elsewhere.safetensors"), shard);
    },
    reason: /symbolic link to .*elsewhere\.safetensors, outside the checkpoint folder/,
  },
  { name: "a symbolic link loop", make: (dir, shard) => symlink(shard, shard), reason: /symbolic link loop/ },
  {
    name: "an unreadable file",
    make: async (dir, shard) => {
      await writeFile(shard, Buffer.alloc(64, 2));
      await chmod(shard, 0o000);
    },
    reason: /cannot read: permission denied \(EACCES\)/,
  },
  { name: "a FIFO", make: async (dir, shard) => makeFifo(shard), reason: /not a regular file/ },
];

// hub push-model given a checkpoint whose weights are not all there: exit 2, one line naming
// the shard and why, no request, and the folder as it was.
for (const fault of SHARD_FAULTS) {
  test(`hub push-model: a weight shard that is ${fault.name} is refused with one line, exit 2`, async () => {
    const { dir, cleanup } = await tempDir("facial-r1-fault-");
    try {
      const checkpoint = join(dir, "checkpoint");
      await mkdir(checkpoint);
      await chmod(dir, 0o755);
      await writeFile(join(checkpoint, "config.json"), "{}");
      await writeFile(join(checkpoint, "model-00001-of-00002.safetensors"), Buffer.alloc(64, 1));
      await fault.make(dir, join(checkpoint, SHARD));
      const before = await snapshot(dir);
      // Root reads every file; the unreadable case then runs as nobody.
      const asUser = fault.name === "an unreadable file" && isRoot ? { uid: 65534, gid: 65534 } : {};
      const result = await runCli(["hub", "push-model", checkpoint, "--repo", "me/m", "--dry-run"], { cwd: dir, env: { HF_ENDPOINT: "http://127.0.0.1:1" }, ...asUser });
      assertOutcome(result, { code: 2, message: new RegExp(`^error: .*checkpoint: weights missing, nothing pushed: ${SHARD.replace(/\./g, "\\.")} \\(${fault.reason.source}`) }, fault.name);
      assert.deepEqual(await snapshot(dir), before, "the folder changed");
    } finally {
      await chmod(join(dir, "checkpoint", SHARD), 0o644).catch(() => undefined);
      await cleanup();
    }
  });
}
