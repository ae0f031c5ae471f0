import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { invalidInput, unreadableReason } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { firstNonUtf8Line } from "../util/utf8.js";
import { horizontalBarChart, columnChart } from "./charts/bars.js";
import { heatmap } from "./charts/heatmap.js";
import { escapeXml } from "../util/svg.js";
import { PAPER_AU_BENCHMARKS, PAPER_EMOTION_BENCHMARKS, PAPER_ROWS, type PaperRow } from "./paper-numbers.js";
import { resolveBenchmark } from "./protocols.js";
import type { ScoreReport } from "./score.js";

/**
 * `eval report`: turns one or more `eval score --json` results (runs, checkpoints) into
 * report.json, report.md and a self-contained report.html with inline SVG charts, the
 * charts also written as .svg files, and the paper's rows beside the runs.
 */

export interface ReportParams {
  results: string[];
  outDir: string;
}

export interface ReportRun {
  name: string;
  file: string;
  result: ScoreReport;
}

export interface ReportFiles {
  json: string;
  markdown: string;
  html: string;
  svgs: string[];
}

/** A run's numbers in the paper's columns (percent; GPT score 1..10; REGE 0..200), where they apply. */
export interface ComparisonRow {
  model: string;
  auF1: Partial<Record<string, number>>;
  accuracy: Partial<Record<string, number>>;
  rege?: number;
  rougeL?: number;
  gptScore?: number;
}

const pct = (x: number | null | undefined): number | undefined => (x === null || x === undefined ? undefined : Math.round(x * 1000) / 10);

const EXPECTED = "expected the output of eval score --json";

async function readRun(file: string): Promise<ReportRun> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw invalidInput(unreadableReason(err), { file });
  }
  if (!isUtf8(bytes)) throw invalidInput(`not UTF-8 text (${EXPECTED})`, { file, line: firstNonUtf8Line(bytes) });
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw invalidInput(`not JSON (${EXPECTED}): ${(err as Error).message.split("\n")[0]}`, { file });
  }
  const result = value as Partial<ScoreReport>;
  if (typeof value !== "object" || value === null || !("counts" in result) || !("protocol" in result)) {
    throw invalidInput(`not an eval score result, no protocol or counts (${EXPECTED})`, { file });
  }
  return { name: basename(file).replace(/\.json$/i, ""), file, result: result as ScoreReport };
}

/** Benchmarks a run speaks for: its --benchmark, or the dataset tags it was broken down by (or its only one). */
function benchmarksOf(run: ScoreReport): Map<string, Pick<ScoreReport, "au" | "emotion">> {
  const out = new Map<string, Pick<ScoreReport, "au" | "emotion">>();
  if (run.benchmark) out.set(run.benchmark, run);
  for (const [tag, scores] of Object.entries(run.datasets ?? {})) {
    const key = tag.toLowerCase().replace(/[^a-z0-9]/g, "");
    const name = resolveBenchmark(tag)?.name ?? (key === "rafau" ? "rafau" : undefined);
    if (name && !out.has(name)) out.set(name, scores);
  }
  return out;
}

export function comparisonRow(run: ReportRun): ComparisonRow {
  const row: ComparisonRow = { model: run.name, auF1: {}, accuracy: {} };
  for (const [benchmark, scores] of benchmarksOf(run.result)) {
    if (scores.au && (PAPER_AU_BENCHMARKS as readonly string[]).includes(benchmark)) row.auF1[benchmark] = pct(scores.au.macro_f1);
    if (scores.emotion && (PAPER_EMOTION_BENCHMARKS as readonly string[]).includes(benchmark)) row.accuracy[benchmark] = pct(scores.emotion.accuracy);
  }
  const rege = run.result.rege?.emotion?.rege;
  if (rege !== undefined && rege !== null) row.rege = Math.round(rege * 1000) / 10;
  if (run.result.rouge) row.rougeL = pct(run.result.rouge.rougeL);
  if (run.result.judge?.mean !== undefined && run.result.judge.mean !== null) row.gptScore = Math.round(run.result.judge.mean * 100) / 100;
  return row;
}

function paperAsRow(row: PaperRow): ComparisonRow {
  return { model: row.model, auF1: row.auF1, accuracy: row.accuracy, rege: row.rege, rougeL: row.rougeL, gptScore: row.gptScore };
}

const COMPARISON_HEADER = [
  "model",
  ...PAPER_AU_BENCHMARKS.map((b) => `AU F1 ${b}`),
  ...PAPER_EMOTION_BENCHMARKS.map((b) => `acc ${b}`),
  "REGE faba",
  "ROUGE-L",
  "GPT score",
];

function comparisonCells(row: ComparisonRow): string[] {
  const cell = (v: number | undefined) => (v === undefined ? "-" : String(v));
  return [
    row.model,
    ...PAPER_AU_BENCHMARKS.map((b) => cell(row.auF1[b])),
    ...PAPER_EMOTION_BENCHMARKS.map((b) => cell(row.accuracy[b])),
    cell(row.rege),
    cell(row.rougeL),
    cell(row.gptScore),
  ];
}

function runSummaryCells(run: ReportRun): string[] {
  const r = run.result;
  const p = (x: number | null | undefined) => (x === null || x === undefined ? "-" : (x * 100).toFixed(2));
  return [
    run.name,
    r.protocol,
    r.benchmark ?? "-",
    String(r.counts.records),
    String(r.counts.missing_predictions),
    p(r.emotion?.accuracy),
    p(r.au?.macro_f1),
    p(r.au?.micro_f1),
    p(r.rouge?.rouge1),
    p(r.rouge?.rouge2),
    p(r.rouge?.rougeL),
    r.rege?.emotion?.rege === undefined || r.rege.emotion.rege === null ? "-" : (r.rege.emotion.rege * 100).toFixed(1),
    r.judge?.mean === undefined || r.judge.mean === null ? "-" : r.judge.mean.toFixed(2),
  ];
}

const RUN_HEADER = ["run", "protocol", "benchmark", "records", "missing", "accuracy", "AU macro F1", "AU micro F1", "ROUGE-1", "ROUGE-2", "ROUGE-L", "REGE", "judge"];

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function htmlTable(header: string[], rows: string[][]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n${head}\n${body}\n</table>`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

const NO_POSITIVE = "n/a: no positive in the ground truth (left out of the macro F1)";

interface Chart {
  file: string;
  title: string;
  svg: string;
}

function chartsOf(run: ReportRun): Chart[] {
  const charts: Chart[] = [];
  const base = safeName(run.name);
  const r = run.result;
  if (r.au) {
    // An AU with no positive in the ground truth has no F1 and is left out of the mean: n/a, not a 0% bar.
    const bars = Object.entries(r.au.per_au).map(([label, s]) => (s.support === 0 ? { label, value: null, note: NO_POSITIVE } : { label, value: s.f1 }));
    charts.push({ file: `${base}-au-f1.svg`, title: `${run.name}: per-AU F1`, svg: horizontalBarChart({ title: `${run.name}: per-AU F1`, bars }) });
  }
  if (r.emotion) {
    const c = r.emotion.confusion;
    charts.push({
      file: `${base}-confusion.svg`,
      title: `${run.name}: confusion matrix`,
      svg: heatmap({ title: `${run.name}: confusion matrix`, rows: c.truth, columns: c.predicted, matrix: c.matrix }),
    });
  }
  if (r.judge) {
    const columns = Object.entries(r.judge.histogram).map(([label, value]) => ({ label, value }));
    charts.push({
      file: `${base}-judge.svg`,
      title: `${run.name}: judge scores`,
      svg: columnChart({ title: `${run.name}: judge scores (${r.judge.scored} judged, ${r.judge.failed} failed)`, columns, xLabel: "score" }),
    });
  }
  return charts;
}

export async function buildReport(params: ReportParams): Promise<ReportFiles> {
  if (params.results.length === 0) throw invalidInput("no result files given");
  const runs: ReportRun[] = [];
  for (const file of params.results) runs.push(await readRun(file));
  const names = new Set<string>();
  for (const run of runs) {
    let name = run.name;
    for (let i = 2; names.has(name); i++) name = `${run.name}-${i}`;
    run.name = name;
    names.add(name);
  }

  const comparison = [...runs.map(comparisonRow), ...PAPER_ROWS.map(paperAsRow)];
  const charts = runs.map((run) => ({ run, charts: chartsOf(run) }));
  const svgs: string[] = [];
  for (const { charts: list } of charts) {
    for (const chart of list) {
      const path = join(params.outDir, chart.file);
      await writeFileAtomic(path, `${chart.svg}\n`);
      svgs.push(path);
    }
  }

  const json = join(params.outDir, "report.json");
  await writeFileAtomic(json, `${JSON.stringify({ runs: runs.map((r) => ({ name: r.name, file: r.file, result: r.result })), comparison, paper: PAPER_ROWS }, null, 2)}\n`);

  const runRows = runs.map(runSummaryCells);
  const comparisonRows = comparison.map(comparisonCells);
  const notes =
    "Scores in percent (REGE on 0..200, judge and GPT score on 1..10). Paper rows are the published numbers; a run fills a paper column " +
    "when its --benchmark or a dataset tag names that benchmark (FEA-20K's ROUGE-L and GPT score columns take the run's overall values).";
  const markdown = join(params.outDir, "report.md");
  const md = [
    "# Evaluation report",
    "",
    "## Runs",
    "",
    markdownTable(RUN_HEADER, runRows),
    "",
    "## Beside the paper",
    "",
    markdownTable(COMPARISON_HEADER, comparisonRows),
    "",
    notes,
    "",
    ...charts.flatMap(({ run, charts: list }) => [`## ${run.name}`, "", ...list.map((c) => `![${c.title}](${c.file})`), ""]),
  ].join("\n");
  await writeFileAtomic(markdown, md);

  const html = join(params.outDir, "report.html");
  const page = htmlPage("Evaluation report", [
    "<h2>Runs</h2>",
    htmlTable(RUN_HEADER, runRows),
    "<h2>Beside the paper</h2>",
    htmlTable(COMPARISON_HEADER, comparisonRows),
    `<p>${escapeXml(notes)}</p>`,
    ...charts.flatMap(({ run, charts: list }) => [`<h2>${escapeXml(run.name)}</h2>`, ...list.map((c) => figure(c.svg, c.title))]),
  ]);
  await writeFileAtomic(html, page);
  return { json, markdown, html, svgs };
}

/** A self-contained HTML page: a heading and the given body parts (tables, figures). */
export function htmlPage(title: string, body: string[]): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}" +
      "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}" +
      "figure{display:inline-block;margin:1em;vertical-align:top}</style>",
    "</head>",
    "<body>",
    `<h1>${escapeXml(title)}</h1>`,
    ...body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** An inline SVG chart with its caption. */
export function figure(svg: string, caption: string): string {
  return `<figure>\n${svg}\n<figcaption>${escapeXml(caption)}</figcaption>\n</figure>`;
}
