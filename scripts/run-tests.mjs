// Runs every tests/**/*.test.ts with Node's built-in runner (Node 20 does not expand globs itself).
// Extra arguments narrow the run: `npm test -- tests/data` or a list of files.
// When tests/launch/ is part of the run, the real Slurm and sshd of tests/infra/ are started
// first (and stopped afterwards if this run started them). The Python test environment
// (tests/python/env.sh: real torch, transformers, trl, datasets from the machine's local wheels)
// is built once and reused; tests that need it skip with one line when no local wheels exist.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith(".test.ts") ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => collect(join(path, name)));
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ["tests"]).flatMap(collect);
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}

const env = { ...process.env };
let startedInfra = false;
if (files.some((f) => f.includes(join("tests", "launch")))) {
  const stateDir = env.FACIAL_R1_INFRA_DIR || "/tmp/facial-r1-infra";
  const wasUp = existsSync(join(stateDir, "infra.env"));
  const up = spawnSync("bash", ["tests/infra/up.sh", stateDir], { encoding: "utf8" });
  if (up.status === 0) {
    env.FACIAL_R1_INFRA_ENV = up.stdout.trim();
    startedInfra = !wasUp;
  } else {
    env.FACIAL_R1_INFRA_UNAVAILABLE = (up.stderr || up.stdout || "tests/infra/up.sh failed").trim().split("\n").pop();
  }
}

const python = spawnSync("bash", ["tests/python/env.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
if (python.status === 0) env.FACIAL_R1_TEST_PYTHON = python.stdout.trim();
else env.FACIAL_R1_TEST_PYTHON_UNAVAILABLE = "no Python test environment (tests/python/env.sh found no local wheels)";

const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], { stdio: "inherit", env });
if (startedInfra) spawnSync("bash", ["tests/infra/down.sh"], { stdio: "inherit" });
process.exit(result.status ?? 1);
