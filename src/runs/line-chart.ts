import { escapeXml, svgDocument } from "../util/svg.js";

/** A self-contained SVG line chart: one or more series over training steps. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const WIDTH = 720;
const HEIGHT = 360;
const MARGIN = { left: 64, right: 170, top: 36, bottom: 44 };

export function renderLineChart(params: { title: string; xLabel: string; series: Series[] }): string {
  const all = params.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const [x0, x1] = extent(all.map((p) => p.x));
  const [y0, y1] = extent(all.map((p) => p.y));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`];
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${fmt(sy(t))}" y2="${fmt(sy(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${fmt(sy(t) + 4)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  for (const t of ticks(x0, x1)) {
    parts.push(`<text x="${fmt(sx(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(params.xLabel)}</text>`);
  params.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const points = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (points.length > 1) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${fmt(sx(p.x))},${fmt(sy(p.y))}`).join(" ")}"/>`);
    } else if (points.length === 1) {
      parts.push(`<circle cx="${fmt(sx(points[0].x))}" cy="${fmt(sy(points[0].y))}" r="3" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 8 + i * 18;
    parts.push(`<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 38}" y="${ly + 4}">${escapeXml(series.name)}</text>`);
  });
  if (all.length === 0) parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" fill="#999">no data</text>`);
  return `${svgDocument(WIDTH, HEIGHT, params.title, parts)}\n`;
}

function extent(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + nice * 1e-9; t += nice) out.push(Number(t.toPrecision(12)));
  return out;
}

function formatTick(t: number): string {
  return Math.abs(t) >= 1e4 || (Math.abs(t) < 1e-3 && t !== 0) ? t.toExponential(1) : String(Number(t.toPrecision(4)));
}

function fmt(n: number): string {
  return n.toFixed(1);
}
