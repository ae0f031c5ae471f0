import { escapeXml, fmt, svgDocument } from "../../util/svg.js";

export interface Bar {
  label: string;
  value: number;
}

/** A bar whose value may be undefined (null): drawn as no bar and the words `note`. */
export interface OptionalBar {
  label: string;
  value: number | null;
  note?: string;
}

/** Horizontal bars for values in [0, 1], labelled in percent (per-AU F1, per-class accuracy); a null value is marked n/a. */
export function horizontalBarChart(params: { title: string; bars: readonly OptionalBar[] }): string {
  const rowHeight = 22;
  const left = 90;
  const plot = 360;
  const width = left + plot + 70;
  const height = 40 + params.bars.length * rowHeight + 10;
  const body: string[] = [];
  params.bars.forEach((bar, i) => {
    const y = 32 + i * rowHeight;
    if (bar.value === null) {
      body.push(
        `<text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<text x="${left + 4}" y="${y + 14}" fill="#777">${escapeXml(bar.note ?? "n/a")}</text>`,
      );
      return;
    }
    const w = Math.max(0, Math.min(1, bar.value)) * plot;
    body.push(
      `<text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${fmt(w, 2)}" height="${rowHeight - 6}" fill="#4e79a7"/>`,
      `<text x="${left + w + 4}" y="${y + 14}">${fmt(bar.value * 100)}%</text>`,
    );
  });
  body.push(`<line x1="${left}" y1="30" x2="${left}" y2="${height - 8}" stroke="#333"/>`);
  return svgDocument(width, height, params.title, body);
}

/** Vertical columns of counts (a histogram). */
export function columnChart(params: { title: string; columns: readonly Bar[]; xLabel?: string }): string {
  const columnWidth = 36;
  const left = 40;
  const plotHeight = 180;
  const width = left + params.columns.length * columnWidth + 20;
  const height = 30 + plotHeight + 50;
  const max = Math.max(1, ...params.columns.map((c) => c.value));
  const base = 30 + plotHeight;
  const body: string[] = [];
  params.columns.forEach((column, i) => {
    const h = (column.value / max) * (plotHeight - 20);
    const x = left + i * columnWidth;
    body.push(
      `<rect x="${x + 4}" y="${fmt(base - h, 2)}" width="${columnWidth - 8}" height="${fmt(h, 2)}" fill="#f28e2b"/>`,
      `<text x="${x + columnWidth / 2}" y="${fmt(base - h - 4, 2)}" text-anchor="middle">${column.value}</text>`,
      `<text x="${x + columnWidth / 2}" y="${base + 16}" text-anchor="middle">${escapeXml(column.label)}</text>`,
    );
  });
  body.push(`<line x1="${left}" y1="${base}" x2="${width - 10}" y2="${base}" stroke="#333"/>`);
  if (params.xLabel) body.push(`<text x="${width / 2}" y="${base + 36}" text-anchor="middle">${escapeXml(params.xLabel)}</text>`);
  return svgDocument(width, height, params.title, body);
}
