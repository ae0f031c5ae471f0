// Start-up time of the built CLI: `--help`, `--version` and a subcommand's help, against a bare
// `node -e 0` in the same run (the ratio is what counts on a shared machine). With
// CLI_BENCH_BEFORE=<checkout with dist/ built>, the same commands of that checkout are measured
// in the same rounds, so that a change of the CLI's start-up shows as a ratio of ratios.
import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { bestOf, measureNode, recordResults, ROOT, table, type Measurement } from "./lib.js";

const RUNS = 15;
const COMMANDS: { label: string; args: string[] }[] = [
  { label: "facial-r1 --help", args: ["--help"] },
  { label: "facial-r1 --version", args: ["--version"] },
  { label: "facial-r1 plan --help", args: ["plan", "--help"] },
  { label: "facial-r1 data shard --help", args: ["data", "shard", "--help"] },
];

const before = process.env.CLI_BENCH_BEFORE;
const checkouts = [{ name: "now", cli: join(ROOT, "dist", "cli", "main.js") }, ...(before ? [{ name: "before", cli: join(before, "dist", "cli", "main.js") }] : [])];

interface Case {
  label: string;
  args: string[];
  best?: Measurement;
}
const cases: Case[] = [{ label: "node -e 0 (baseline)", args: ["-e", "0"] }];
for (const { name, cli } of checkouts) {
  for (const c of COMMANDS) cases.push({ label: checkouts.length > 1 ? `${c.label} (${name})` : c.label, args: [cli, ...c.args] });
}

const loadBefore = loadavg()[0];
// Round-robin: every case sees the same stretches of a noisy machine; keep each one's fastest.
for (let run = 0; run < RUNS; run++) {
  for (const c of cases) {
    const m = await bestOf(1, () => measureNode(c.args));
    if (!c.best || m.seconds < c.best.seconds) c.best = m;
  }
}

const loadAfter = loadavg()[0];
const base = cases[0].best!.seconds;
const rows = cases.map((c) => [c.label, (c.best!.seconds * 1000).toFixed(0), (c.best!.seconds / base).toFixed(2), c.best!.peakRssMiB.toFixed(0)]);
const beforeLine = before ? `"before" is commit ${commitOf(before)}, measured in the same rounds (\`CLI_BENCH_BEFORE=<its checkout, built> npm run bench -- cli-startup\`).` : "Set CLI_BENCH_BEFORE=<checkout with dist/ built> to add an earlier CLI to the same rounds.";
recordResults(
  "cli-startup",
  `## CLI start-up (\`npm run bench -- cli-startup\`)

Best of ${RUNS} round-robin runs of the built CLI (dist/cli/main.js), each a fresh process; the baseline is a bare \`node -e 0\`. ${beforeLine}

${table(["command", "ms", "x node -e 0", "peak RSS MiB"], rows)}

Load average (1 min) ${loadBefore.toFixed(1)} at the start and ${loadAfter.toFixed(1)} at the end, on ${availableParallelism()} cores: compare ratios within one run.`,
);

function commitOf(dir: string): string {
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "--short=7", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return dir;
  }
}
