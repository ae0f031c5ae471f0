import { escapeXml, svgDocument } from "../../util/svg.js";

/** A confusion-matrix heatmap: rows are truths, columns predictions; shade by row share. */
export function heatmap(params: { title: string; rows: readonly string[]; columns: readonly string[]; matrix: readonly (readonly number[])[] }): string {
  const cell = 44;
  const left = 100;
  const top = 110;
  const width = left + params.columns.length * cell + 20;
  const height = top + params.rows.length * cell + 40;
  const body: string[] = [];
  params.columns.forEach((label, c) => {
    const x = left + c * cell + cell / 2;
    body.push(`<text x="${x}" y="${top - 8}" text-anchor="start" transform="rotate(-45 ${x} ${top - 8})">${escapeXml(label)}</text>`);
  });
  params.rows.forEach((label, r) => {
    const y = top + r * cell;
    const total = params.matrix[r].reduce((a, b) => a + b, 0);
    body.push(`<text x="${left - 6}" y="${y + cell / 2 + 4}" text-anchor="end">${escapeXml(label)}</text>`);
    params.matrix[r].forEach((count, c) => {
      const share = total === 0 ? 0 : count / total;
      const shade = Math.round(255 - share * 200);
      const fill = `rgb(${shade},${shade},255)`;
      body.push(
        `<rect x="${left + c * cell}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ffffff"/>`,
        `<text x="${left + c * cell + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.6 ? "#ffffff" : "#000000"}">${count}</text>`,
      );
    });
  });
  body.push(`<text x="${left + (params.columns.length * cell) / 2}" y="${height - 12}" text-anchor="middle">predicted</text>`);
  return svgDocument(width, height, params.title, body);
}
