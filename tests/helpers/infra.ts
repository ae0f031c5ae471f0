import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { TestContext } from "node:test";

/**
 * The real Slurm and sshd started by tests/infra/up.sh (scripts/run-tests.mjs starts them).
 * Returns their environment, or skips the test with one line saying why — except in CI,
 * where these tests must run, so the reason becomes a failure.
 */
export function infraEnv(t: TestContext): Record<string, string> | undefined {
  const file = process.env.FACIAL_R1_INFRA_ENV;
  if (!file) {
    const reason = `real Slurm/sshd unavailable: ${process.env.FACIAL_R1_INFRA_UNAVAILABLE ?? "not started (run the tests through npm test)"}`;
    if (process.env.CI) throw new Error(reason);
    t.skip(reason);
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/**
 * Whether the programs a test needs are installed; when one is not, skips the test with one
 * line naming it (in CI, where everything must be there, that is a failure).
 */
export function hasPrograms(t: TestContext, programs: readonly string[]): boolean {
  const missing = programs.filter((p) => spawnSync("sh", ["-c", `command -v ${p}`], { stdio: "ignore" }).status !== 0);
  if (missing.length === 0) return true;
  const reason = `needs ${missing.join(", ")}, not installed`;
  if (process.env.CI) throw new Error(reason);
  t.skip(reason);
  return false;
}
