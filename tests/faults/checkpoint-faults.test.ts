import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { assertOutcome, isRoot, runCli, snapshot } from "./harness.js";
import { SHARD, SHARD_FAULTS } from "./shard-faults.js";

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
