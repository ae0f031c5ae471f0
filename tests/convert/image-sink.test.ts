import { test } from "node:test";
import assert from "node:assert/strict";
import { lstat, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { ImageSink } from "../../src/data/convert/images-out.js";
import { tempDir } from "../helpers/cli.js";
import { imageBytes, put } from "./fixtures.js";

// Records that share one image make one image job each, all for the same target: started
// together, each used to find the target missing and link it, and all but the first failed.
for (const mode of ["hardlink", "symlink", "copy"] as const) {
  test(`image sink (${mode}): jobs of many records for one target all succeed and leave one file`, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const source = join(dir, "src", "a.jpg");
      const bytes = await imageBytes();
      await put(source, bytes);
      const sink = new ImageSink(join(dir, "out"), mode);
      // Several targets, many jobs each, interleaved: the collisions do not depend on timing luck.
      const targets = Array.from({ length: 8 }, (_, i) => `rafdb/${i}.jpg`);
      const jobs = Array.from({ length: 40 }, () => targets).flat();
      const outcomes = await Promise.allSettled(jobs.map((target) => sink.run({ kind: "link", source, target })));
      await sink.close();
      assert.deepEqual(
        outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason)),
        [],
      );
      for (const name of targets) {
        const target = join(dir, "out", name);
        if (mode === "symlink") assert.equal(await readlink(target), source);
        if (mode === "hardlink") assert.equal((await stat(target)).ino, (await stat(source)).ino);
        if (mode === "copy") assert.ok((await lstat(target)).isFile());
        assert.deepEqual(await readFile(target), bytes);
      }
    } finally {
      await cleanup();
    }
  });
}
