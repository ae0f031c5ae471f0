// Preloaded into a measured Node process: on exit, appends its peak RSS (KiB) to $BENCH_RSS_FILE.
import { appendFileSync } from "node:fs";

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => appendFileSync(target, `${process.resourceUsage().maxRSS}\n`));
}
