// Preloaded into a CLI run (NODE_OPTIONS=--import) by the dead-endpoint tests: counts every
// fetch the process makes (each one an attempt to reach the endpoint) and writes the count to
// $FACIAL_R1_TEST_FETCH_COUNT when the process exits.
import { writeFileSync } from "node:fs";

const file = process.env.FACIAL_R1_TEST_FETCH_COUNT;
if (file) {
  const original = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = (...args) => {
    calls++;
    return original(...args);
  };
  process.on("exit", () => writeFileSync(file, `${calls}\n`));
}
