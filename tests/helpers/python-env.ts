import { existsSync } from "node:fs";
import type { TestContext } from "node:test";

/**
 * The Python test environment built by tests/python/env.sh (scripts/run-tests.mjs builds it):
 * real torch, transformers, trl, accelerate, datasets and huggingface_hub from the machine's
 * local wheels. Returns its python, or skips the test with one line when this machine has no
 * local wheels — except in CI, where these tests must run.
 */
export function testPython(t: TestContext): string | undefined {
  const python = process.env.FACIAL_R1_TEST_PYTHON;
  if (python && existsSync(python)) return python;
  const reason = process.env.FACIAL_R1_TEST_PYTHON_UNAVAILABLE ?? "no Python test environment (run the tests through npm test, which builds it)";
  if (process.env.CI) throw new Error(reason);
  t.skip(reason);
  return undefined;
}

/** The bin folder of the test environment: first on PATH, `python3` is its interpreter. */
export function testPythonBin(python: string): string {
  return python.replace(/\/python$/, "");
}
