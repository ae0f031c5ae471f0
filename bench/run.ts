// Runs the benchmarks: every bench/*.bench.ts, or those named on the command line
// (`npm run bench -- data rewards`). Each updates its own section of bench/RESULTS.md.
// Everything from the first argument that starts with "--" on goes to each benchmark run
// (`npm run bench -- plan --scale 10`).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib.js";

const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith("--"));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const all = readdirSync(join(ROOT, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${all.join(", ")}`);
  process.exit(2);
}
const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(1);
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.error(`\n== bench ${name} ==`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench", `${name}.bench.ts`), ...options], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
