import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../helpers/cli.js";
import { VERSION } from "../../src/version.js";

const run = promisify(execFile);

// `npx facial-r1` executes the bin file itself, so the build must leave it executable.
test("the built bin runs directly, as npx facial-r1 runs it", async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = join(ROOT, pkg.bin["facial-r1"]);
  if (!existsSync(bin)) {
    if (process.env.CI) assert.fail(`${bin} is missing: npm ci builds it`);
    t.skip("not built (npm run build)");
    return;
  }
  const { stdout } = await run(bin, ["--version"]);
  assert.equal(stdout.trim(), VERSION);
});
