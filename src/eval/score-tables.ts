import type { GroupScores, ScoreReport } from "./score.js";

/** Plain-text tables of a score report, for people (the CLI prints them on stderr). */

function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : (value * 100).toFixed(2);
}

export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? "").length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

function groupTables(scores: GroupScores | ScoreReport): string[] {
  const out: string[] = [];
  if (scores.au) {
    const rows = Object.entries(scores.au.per_au).map(([au, s]) => [au, pct(s.f1), pct(s.precision), pct(s.recall), pct(s.accuracy), s.support, s.tp, s.fp, s.fn]);
    out.push(textTable(["AU", "F1", "P", "R", "acc", "support", "TP", "FP", "FN"], rows));
    out.push(`AU macro F1 ${pct(scores.au.macro_f1)}  micro F1 ${pct(scores.au.micro_f1)}`);
  } else {
    out.push("AU metrics: not computed (no AUs in the ground truth)");
  }
  if (scores.emotion) {
    const e = scores.emotion;
    out.push(textTable(["class", "acc", "correct", "support"], Object.entries(e.per_class).map(([c, s]) => [c, pct(s.accuracy), s.correct, s.support])));
    out.push(`emotion accuracy ${pct(e.accuracy)} (${e.correct}/${e.total})`);
    out.push("confusion (rows: truth, columns: predicted)");
    out.push(textTable(["", ...e.confusion.predicted], e.confusion.truth.map((t, r) => [t, ...e.confusion.matrix[r]])));
  } else {
    out.push("emotion metrics: not computed (no labels in the ground truth)");
  }
  out.push(
    scores.rouge
      ? `ROUGE-1 ${pct(scores.rouge.rouge1)}  ROUGE-2 ${pct(scores.rouge.rouge2)}  ROUGE-L ${pct(scores.rouge.rougeL)} over ${scores.rouge.scored} records`
      : "ROUGE: not computed (no reference descriptions)",
  );
  if (scores.rege) {
    const { emotion, au } = scores.rege;
    if (emotion) out.push(`REGE emotion ${pct(emotion.rege)} = S_re ${pct(emotion.s_re)} + S_ge ${pct(emotion.s_ge)}`);
    if (au) out.push(`REGE AU ${pct(au.rege)} = S_re ${pct(au.s_re)} + S_ge ${pct(au.s_ge)}`);
  }
  return out;
}

/**
 * A score report as plain-text tables for people: per-AU F1, per-class accuracy and the
 * confusion matrix, ROUGE, REGE and the judge's mean, per dataset when the test file mixes
 * several, and the counts of records and predictions.
 */
export function formatScoreReport(report: ScoreReport): string {
  const out = [`protocol ${report.protocol}${report.benchmark ? `, benchmark ${report.benchmark}` : ""}`, ...groupTables(report)];
  if (report.judge) {
    const j = report.judge;
    out.push(`judge mean ${j.mean === null ? "-" : j.mean.toFixed(2)} over ${j.scored} judgements (${j.failed} failed, ${j.missing} missing)`);
  }
  if (report.datasets) {
    for (const [name, scores] of Object.entries(report.datasets)) {
      out.push("", `== dataset ${name} (${scores.counts.records} records) ==`, ...groupTables(scores));
    }
  }
  const c = report.counts;
  out.push(
    "",
    `records ${c.records}: predictions scored ${c.predictions_scored}, missing ${c.missing_predictions} (scored as empty outputs, i.e. wrong), empty outputs ${c.empty_outputs}`,
    `rejected: dataset lines ${c.dataset_rejected}, duplicate dataset ids ${c.dataset_duplicate_ids}, prediction lines ${c.predictions_rejected}, unknown prediction ids ${c.predictions_unknown_id}, duplicate prediction ids ${c.predictions_duplicate_id}`,
  );
  return out.join("\n");
}
