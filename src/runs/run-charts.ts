import { join } from "node:path";
import { writeFileAtomic } from "../util/fs.js";
import { renderLineChart, type Series } from "./line-chart.js";
import type { MetricRow } from "../trainer/trainer-state.js";

/** The charts a pulled run gets: reward per function, KL, completion length. */
export async function renderRunCharts(params: { rows: MetricRow[]; dir: string; png: boolean }): Promise<string[]> {
  const { rows } = params;
  const series = (key: string, name = key): Series => ({ name, points: rows.filter((r) => r.values[key] !== undefined).map((r) => ({ x: r.step, y: r.values[key] })) });
  const keys = new Set(rows.flatMap((r) => Object.keys(r.values)));
  // One series per reward function: `rewards/<fn>` (trl 0.17) or `rewards/<fn>/mean` (trl 1.x, which also logs `/std`).
  const rewardKeys = [...keys].filter((k) => k.startsWith("rewards/") && !k.endsWith("/std")).sort();
  // trl 1.x logs the mean completion length as completions/mean_length.
  const lengthKey = keys.has("completion_length") || !keys.has("completions/mean_length") ? "completion_length" : "completions/mean_length";
  const charts: { name: string; svg: string }[] = [
    { name: "rewards", svg: renderLineChart({ title: "Reward per function", xLabel: "step", series: [series("reward", "total"), ...rewardKeys.map((k) => series(k, k.slice("rewards/".length).replace(/\/mean$/, "")))] }) },
    { name: "kl", svg: renderLineChart({ title: "KL divergence", xLabel: "step", series: [series("kl")] }) },
    { name: "completion_length", svg: renderLineChart({ title: "Completion length (tokens)", xLabel: "step", series: [series(lengthKey, "completion_length")] }) },
  ];
  const written: string[] = [];
  for (const chart of charts) {
    const svgPath = join(params.dir, `${chart.name}.svg`);
    await writeFileAtomic(svgPath, chart.svg);
    written.push(svgPath);
    if (params.png) {
      const { default: sharp } = await import("sharp");
      const pngPath = join(params.dir, `${chart.name}.png`);
      await writeFileAtomic(pngPath, await sharp(Buffer.from(chart.svg)).png().toBuffer());
      written.push(pngPath);
    }
  }
  return written;
}
