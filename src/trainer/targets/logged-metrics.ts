import type { MetricRow } from "../trainer-state.js";

/**
 * A step's metrics under the names the charts read (reward, kl, loss, ...) as well as the
 * trainer's own: `names` maps a chart name to the trainer's key.
 */
export function withChartNames(step: number, values: Record<string, number>, names: Readonly<Record<string, string>>): MetricRow {
  const out: Record<string, number> = { ...values };
  for (const [chart, key] of Object.entries(names)) if (values[key] !== undefined) out[chart] = values[key];
  return { step, values: out };
}

/** One row per step, the last logged values winning (a resumed run logs its steps again). */
export function byStep(rows: MetricRow[]): MetricRow[] {
  const steps = new Map<number, MetricRow>();
  for (const row of rows) steps.set(row.step, { step: row.step, values: { ...steps.get(row.step)?.values, ...row.values } });
  return [...steps.values()].sort((a, b) => a.step - b.step);
}

/** Nested objects flattened to `a/b/c` keys, numbers only. */
export function flattenNumbers(value: unknown, prefix = "", out: Record<string, number> = {}): Record<string, number> {
  if (typeof value === "number" && Number.isFinite(value)) out[prefix] = value;
  else if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenNumbers(v, prefix ? `${prefix}/${k}` : k, out);
  }
  return out;
}

/** JSON lines of a file logger, skipping torn or foreign lines. */
export function jsonLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A line cut by a crash.
    }
  }
  return out;
}
