// Preloaded into a measured Node process: on exit, appends its peak RSS (KiB) to $BENCH_RSS_FILE
// and, when $BENCH_CPU_SECONDS_FILE is set, its user + system CPU seconds to that file.
import { appendFileSync } from "node:fs";

const target = process.env.BENCH_RSS_FILE;
const cpuTarget = process.env.BENCH_CPU_SECONDS_FILE;
if (target) {
  process.on("exit", () => appendFileSync(target, `${process.resourceUsage().maxRSS}\n`));
}
if (cpuTarget) {
  process.on("exit", () => {
    const u = process.cpuUsage();
    appendFileSync(cpuTarget, `${(u.user + u.system) / 1e6}\n`);
  });
}
