import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { columnChart, horizontalBarChart } from "../eval/charts/bars.js";
import { escapeXml } from "../util/svg.js";
import { figure, htmlPage, htmlTable, markdownTable } from "../eval/report.js";
import type { ScoreReport } from "../eval/score.js";
import { renderLineChart, type Series } from "../runs/line-chart.js";
import { writeFileAtomic } from "../util/fs.js";
import type { LoopContext } from "./context.js";
import { hashedRecords } from "./manifest.js";
import type { RoundState } from "./state.js";

/** One round in the report: its data, what synthesis kept, and its eval numbers. */
export interface RoundRow {
  round: number;
  run_id: string | null;
  training_records: number;
  next_records: number | null;
  selected: number | null;
  accepted: number | null;
  rejected: number | null;
  acceptance: number | null;
  accuracy: number | null;
  au_macro_f1: number | null;
  rouge_l: number | null;
  judge_mean: number | null;
  metric: number | null;
  stopped: string | null;
}

export interface LoopReportFiles {
  /** The rows of the report, one per round. */
  rounds: RoundRow[];
  json: string;
  markdown: string;
  html: string;
  svgs: string[];
}

/**
 * `<out>/report/`: the rounds side by side (report.json, report.md, report.html with inline
 * SVG charts, and the charts as .svg files): data size, quality-check acceptance, eval metrics
 * and judge scores per round. Rewritten after every round.
 */
export async function writeLoopReport(ctx: LoopContext): Promise<LoopReportFiles> {
  const rows: RoundRow[] = [];
  for (const round of ctx.store.state.rounds) rows.push(await rowOf(ctx, round));
  const dir = join(ctx.loaded.out, "report");
  const metric = ctx.loaded.config.stop.metric;
  const label = (r: RoundRow) => `round ${r.round}`;
  const evaluated = rows.filter((r) => r.accuracy !== null || r.au_macro_f1 !== null || r.rouge_l !== null);
  const series = (name: string, pick: (r: RoundRow) => number | null): Series => ({
    name,
    points: evaluated.flatMap((r) => (pick(r) === null ? [] : [{ x: r.round, y: pick(r)! }])),
  });
  const charts = [
    {
      file: "eval-metrics.svg",
      title: "Eval metrics per round",
      svg: renderLineChart({ title: "Eval metrics per round", xLabel: "round", series: [series("accuracy", (r) => r.accuracy), series("AU macro F1", (r) => r.au_macro_f1), series("ROUGE-L", (r) => r.rouge_l)] }),
    },
    { file: "judge.svg", title: "Judge score per round (1..10)", svg: renderLineChart({ title: "Judge score per round (1..10)", xLabel: "round", series: [series("judge mean", (r) => r.judge_mean)] }) },
    {
      file: "data-size.svg",
      title: "Training records per round",
      svg: columnChart({ title: "Training records per round", columns: rows.map((r) => ({ label: label(r), value: r.training_records })), xLabel: "round" }),
    },
    {
      file: "qc-acceptance.svg",
      title: "Synthesized records accepted by the quality check",
      svg: horizontalBarChart({ title: "Synthesized records accepted by the quality check", bars: rows.filter((r) => r.acceptance !== null).map((r) => ({ label: label(r), value: r.acceptance! })) }),
    },
  ];
  const svgs: string[] = [];
  for (const chart of charts) {
    const path = join(dir, chart.file);
    await writeFileAtomic(path, `${chart.svg.trimEnd()}\n`);
    svgs.push(path);
  }

  const header = ["round", "run", "training records", "next version", "selected", "accepted", "rejected", "acceptance", "accuracy", "AU macro F1", "ROUGE-L", "judge", metric];
  const pct = (x: number | null) => (x === null ? "-" : (x * 100).toFixed(1));
  const num = (x: number | null) => (x === null ? "-" : String(x));
  const cells = rows.map((r) => [
    String(r.round),
    r.run_id ?? "-",
    String(r.training_records),
    num(r.next_records),
    num(r.selected),
    num(r.accepted),
    num(r.rejected),
    pct(r.acceptance),
    pct(r.accuracy),
    pct(r.au_macro_f1),
    pct(r.rouge_l),
    r.judge_mean === null ? "-" : r.judge_mean.toFixed(2),
    num(r.metric),
  ]);
  const stopped = ctx.store.state.finished?.reason;
  const notes = `Percentages: acceptance, accuracy, AU macro F1, ROUGE-L; judge on 1..10. Round k trains on data version k; its synthesis makes version k+1.${stopped ? ` Stopped: ${stopped}.` : ""}`;
  const title = `Loop ${ctx.loaded.config.name}`;

  const json = join(dir, "report.json");
  await writeFileAtomic(json, `${JSON.stringify({ loop: ctx.loaded.config.name, metric, rounds: rows, finished: ctx.store.state.finished ?? null }, null, 2)}\n`);
  const markdown = join(dir, "report.md");
  await writeFileAtomic(markdown, [`# ${title}`, "", markdownTable(header, cells), "", notes, "", ...charts.map((c) => `![${c.title}](${c.file})`), ""].join("\n"));
  const html = join(dir, "report.html");
  await writeFileAtomic(html, htmlPage(title, [htmlTable(header, cells), `<p>${escapeXml(notes)}</p>`, ...charts.map((c) => figure(c.svg, c.title))]));
  return { rounds: rows, json, markdown, html, svgs };
}

async function rowOf(ctx: LoopContext, round: RoundState): Promise<RoundRow> {
  const score = round.eval ? (JSON.parse(await readFile(round.eval.score, "utf8")) as ScoreReport) : undefined;
  const selected = round.select?.selected ?? null;
  const accepted = round.merge?.accepted ?? null;
  return {
    round: round.round,
    run_id: round.launch?.run_id ?? null,
    training_records: (await hashedRecords(ctx.loaded.out, round.data)).records,
    next_records: round.merge?.records ?? null,
    selected,
    accepted,
    rejected: round.merge?.rejected ?? null,
    acceptance: accepted !== null && selected ? accepted / selected : null,
    accuracy: score?.emotion?.accuracy ?? null,
    au_macro_f1: score?.au?.macro_f1 ?? null,
    rouge_l: score?.rouge?.rougeL ?? null,
    judge_mean: score?.judge?.mean ?? null,
    metric: round.eval?.metric ?? null,
    stopped: round.stopped ?? null,
  };
}
