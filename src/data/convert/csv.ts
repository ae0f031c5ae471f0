import { readLines, type ReadLinesOptions } from "../jsonl.js";
import { invalidInput, type Problem } from "../../util/errors.js";

/** A quoted field may span at most this many physical lines before the row is given up. */
const MAX_CONTINUATION_LINES = 1000;

export type CsvLineResult = { ok: true; fields: string[] } | { ok: false; open: boolean; message: string; column: number };

/**
 * Splits one CSV line (RFC 4180: fields may be quoted with `"`, a quote inside a quoted field is
 * doubled). `open: true` means a quoted field is still open at the end of the text, so the row
 * continues on the next physical line.
 */
export function parseCsvLine(text: string, delimiter = ","): CsvLineResult {
  const fields: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  let fieldStart = 0;
  while (i <= text.length) {
    if (quoted) {
      const close = text.indexOf('"', i);
      if (close === -1) return { ok: false, open: true, message: "quoted field is not closed", column: fieldStart + 1 };
      field += text.slice(i, close);
      if (text[close + 1] === '"') {
        field += '"';
        i = close + 2;
        continue;
      }
      quoted = false;
      i = close + 1;
      if (i < text.length && !text.startsWith(delimiter, i)) {
        return { ok: false, open: false, message: `unexpected character after closing quote`, column: i + 1 };
      }
      continue;
    }
    if (i === text.length || text.startsWith(delimiter, i)) {
      fields.push(field);
      field = "";
      i += delimiter.length;
      fieldStart = i;
      if (i > text.length) break;
      continue;
    }
    if (text[i] === '"' && i === fieldStart && field === "") {
      quoted = true;
      i++;
      continue;
    }
    const next = text.indexOf(delimiter, i);
    const end = next === -1 ? text.length : next;
    const chunk = text.slice(i, end);
    if (chunk.includes('"')) {
      return { ok: false, open: false, message: "quote inside an unquoted field", column: i + chunk.indexOf('"') + 1 };
    }
    field += chunk;
    i = end;
  }
  return { ok: true, fields };
}

/** One CSV row (possibly spanning several physical lines), or why it could not be read. */
export type CsvRow =
  | { kind: "row"; file: string; line: number; fields: string[]; text: string }
  | { kind: "bad"; file: string; line: number; problem: Problem; text?: string };

export interface ReadCsvOptions extends ReadLinesOptions {
  delimiter?: string;
}

/**
 * Streams the rows of a CSV file in constant memory. Blank lines are skipped (but counted in
 * line numbers). Rows are reported with the line they start on; a quoted field left open at the
 * end of the file (a truncated file) is reported as a bad row.
 */
export async function* readCsvRows(file: string, options: ReadCsvOptions = {}): AsyncGenerator<CsvRow> {
  const delimiter = options.delimiter ?? ",";
  let pending: { line: number; text: string; lines: number } | undefined;
  for await (const item of readLines(file, options)) {
    if (item.kind === "unreadable") {
      if (pending) {
        yield openRowProblem(file, pending);
        pending = undefined;
      }
      yield { kind: "bad", file, line: item.line, problem: item.problem };
      continue;
    }
    const start = pending ?? { line: item.line, text: "", lines: 0 };
    const text = pending ? `${pending.text}\n${item.text}` : item.text;
    const parsed = parseCsvLine(text, delimiter);
    if (parsed.ok) {
      pending = undefined;
      yield { kind: "row", file, line: start.line, fields: parsed.fields, text };
    } else if (parsed.open && start.lines < MAX_CONTINUATION_LINES) {
      pending = { line: start.line, text, lines: start.lines + 1 };
    } else {
      pending = undefined;
      yield {
        kind: "bad",
        file,
        line: start.line,
        text,
        problem: { file, line: start.line, column: parsed.column, message: parsed.message },
      };
    }
  }
  if (pending) yield openRowProblem(file, pending);
}

function openRowProblem(file: string, pending: { line: number; text: string }): CsvRow {
  return {
    kind: "bad",
    file,
    line: pending.line,
    text: pending.text,
    problem: { file, line: pending.line, message: "quoted field is never closed (truncated file?)" },
  };
}

/** Shortens a line for an error message. */
export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\n/g, "\\n");
  return flat.length <= max ? flat : `${flat.slice(0, max)}...`;
}

/**
 * Checks a header row against the columns a format needs and returns their positions. When the
 * header is a single field that contains another common delimiter, says so.
 */
export function headerColumns(params: {
  file: string;
  line: number;
  fields: string[];
  required: readonly string[];
  delimiter: string;
  format: string;
}): Map<string, number> {
  const { file, line, fields, required, delimiter, format } = params;
  const names = fields.map((f) => f.trim());
  const positions = new Map<string, number>();
  names.forEach((name, i) => {
    if (!positions.has(name)) positions.set(name, i);
  });
  const missing = required.filter((name) => !positions.has(name));
  if (missing.length === 0) return positions;
  const joined = fields.join(delimiter);
  const otherDelimiter = [",", ";", "\t", "|"].find((d) => d !== delimiter && fields.length === 1 && joined.includes(d));
  const hint = otherDelimiter
    ? ` (the line looks ${JSON.stringify(otherDelimiter)}-separated; pass --delimiter ${JSON.stringify(otherDelimiter)} if that is intended)`
    : "";
  throw invalidInput(
    `does not look like ${format}: header needs column(s) ${missing.join(", ")}; got "${excerpt(joined)}"${hint}`,
    { file, line },
  );
}

