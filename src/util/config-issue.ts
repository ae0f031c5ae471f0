import { isMap, isPair, isScalar, type Document, type Node as YamlNode } from "yaml";
import type { z } from "zod";
import type { Problem } from "./errors.js";
import { closestMatch, editDistance } from "./suggest.js";

/**
 * One zod issue of a YAML config file (a run config, a loop config) as problems a user can act
 * on: where (`file:line:column`), which key, and in plain words what was expected and what was
 * given, e.g. `training.per_device_batch: expected a whole number, got the string "8x"`.
 */
export interface ConfigIssueContext {
  /** The config's schema: what a key expects is read from it. */
  schema: z.ZodType;
  /** The parsed YAML document (for positions) and its plain value. */
  doc: Document;
  value: unknown;
  file: string | undefined;
  at: (offset: number | undefined) => { line: number; column: number } | undefined;
  /** Extra words for an unknown key (e.g. a trainer flag the trainer ignores), else undefined. */
  unknownKeyNote?: (key: string, suggestion: string | undefined) => string | undefined;
}

export function configIssueProblems(issue: z.core.$ZodIssue, ctx: ConfigIssueContext): Problem[] {
  const path = issue.path as PropertyKey[];
  const { doc, file, at } = ctx;
  if (issue.code === "unrecognized_keys") {
    const known = objectKeys(schemaAt(ctx.schema, path));
    return issue.keys.map((key) => {
      const suggestion = known ? closestMatch(key, known) : undefined;
      const note = ctx.unknownKeyNote?.(key, suggestion);
      let message = `unknown key "${key}"`;
      if (note) message += note;
      else if (suggestion) message += `; did you mean "${suggestion}"?`;
      else if (known) message += `; expected one of ${known.join(", ")}`;
      const where = at(keyNodeAt(doc, path, key)?.range?.[0] ?? nodeAt(doc, path)?.range?.[0]);
      return { file, ...where, field: formatPath([...path, key]), message, fix: suggestion };
    });
  }
  // A missing key points at the closest enclosing node that exists.
  let node: YamlNode | undefined;
  for (let n = path.length; n >= 0 && !node; n--) node = nodeAt(doc, path.slice(0, n));
  const { message, fix } = issueInWords(issue, schemaAt(ctx.schema, path), valueAt(ctx.value, path));
  return [{ file, ...at(node?.range?.[0]), field: formatPath(path) || undefined, message, fix }];
}

/** Problems in file order (zod reports them in schema order). */
export function byPosition(a: Problem, b: Problem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** What went wrong with `given` (the value at the issue's path; undefined when missing), in plain words. */
export function issueInWords(issue: z.core.$ZodIssue, schema: unknown, given: unknown): { message: string; fix?: string } {
  const expected = expectedWords(schema);
  if (given === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union" || issue.code === "invalid_value")) {
    return { message: `required, but missing${expected ? ` (expected ${expected})` : ""}` };
  }
  const got = `got ${valueInWords(given)}`;
  switch (issue.code) {
    case "invalid_type":
      return { message: `expected ${expected ?? typeWords(issue.expected)}, ${got}` };
    case "invalid_union":
      return { message: `expected ${expected ?? "another kind of value"}, ${got}` };
    case "invalid_value": {
      const options = issue.values.map((v) => String(v));
      const suggestion = typeof given === "string" ? onlyClosest(given, options) : undefined;
      const choice = options.length === 1 ? options[0] : `one of ${options.join(", ")}`;
      return { message: `expected ${choice}, ${got}${suggestion ? `; did you mean "${suggestion}"?` : ""}`, fix: suggestion };
    }
    case "too_small":
      return { message: `expected ${bound(issue.origin, expected, "at least", "above", issue.minimum, issue.inclusive, issue.exact)}, ${got}` };
    case "too_big":
      return { message: `expected ${bound(issue.origin, expected, "at most", "below", issue.maximum, issue.inclusive, issue.exact)}, ${got}` };
    case "not_multiple_of":
      return { message: `expected a multiple of ${issue.divisor}, ${got}` };
    case "invalid_format":
      return { message: `${issue.format === "regex" ? issue.message : `expected ${issue.format} text`}, ${got}` };
    default:
      return { message: issue.message };
  }
}

/** `a whole number above 0`, `at least 1 item in the list`, `a number at most 1`, `text that is not empty`. */
function bound(origin: string, expected: string | undefined, inclusiveWord: string, exclusiveWord: string, limit: number | bigint, inclusive: boolean | undefined, exact: boolean | undefined): string {
  const n = String(limit);
  const relation = exact ? "exactly" : inclusive ? inclusiveWord : exclusiveWord;
  if (origin === "array" || origin === "set") return `${relation} ${n} item${n === "1" ? "" : "s"} in the list`;
  if (origin === "string") return n === "1" && inclusive && inclusiveWord === "at least" ? "text that is not empty" : `text of ${relation} ${n} character${n === "1" ? "" : "s"}`;
  const noun = expected === "a whole number" || origin === "int" ? "a whole number" : "a number";
  return `${noun} ${relation} ${n}`;
}

/** The option closest to `word` when it looks like a typo of exactly one of them. */
function onlyClosest(word: string, options: readonly string[]): string | undefined {
  const best = closestMatch(word, options);
  if (best === undefined) return undefined;
  // Measured as closestMatch measures it.
  const typed = word.toLowerCase().replace(/-/g, "_");
  const distance = editDistance(typed, best.toLowerCase());
  return options.some((o) => o !== best && editDistance(typed, o.toLowerCase()) === distance) ? undefined : best;
}

/** The value as the user wrote it: `the string "8x"`, `the number 1.5`, `true`, `a list`, `a mapping`. */
export function valueInWords(value: unknown): string {
  if (value === null) return "an empty value (null)";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "string") return value.length === 0 ? "an empty string" : `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `${value}`;
  if (typeof value === "object") return "a mapping";
  return String(value);
}

function typeWords(type: string): string {
  const words: Record<string, string> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    array: "a list",
    tuple: "a list",
    object: "a mapping",
    record: "a mapping",
    null: "an empty value",
  };
  return words[type] ?? type;
}

/** What a schema accepts, in words; undefined when it cannot be said simply. */
function expectedWords(schema: unknown): string | undefined {
  const def = defOf(schema);
  if (!def) return undefined;
  switch (def.type) {
    case "number":
      return (def.checks ?? []).some((c) => defOf(c)?.format === "safeint" || defOf(c)?.format === "int32") ? "a whole number" : "a number";
    case "enum": {
      const options = Object.values(def.entries ?? {}).map(String);
      return options.length === 1 ? options[0] : `one of ${options.join(", ")}`;
    }
    case "literal":
      return (def.values ?? []).map(String).join(" or ");
    case "union": {
      const parts = (def.options ?? []).map((o) => expectedWords(unwrap(o)));
      return parts.every((p): p is string => p !== undefined) ? [...new Set(parts)].join(" or ") : undefined;
    }
    default:
      return typeWords(def.type);
  }
}

/** The schema at a config path, with optional/default/pipe wrappers removed; undefined when the path leaves it. */
export function schemaAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let schema: unknown = unwrap(root);
  for (const key of path) {
    const def = defOf(schema);
    if (def?.type === "object" && typeof key === "string") schema = (def.shape as Record<string, unknown>)[key];
    else if (def?.type === "array" && typeof key === "number") schema = def.element;
    else if (def?.type === "record") schema = def.valueType;
    else return undefined;
    schema = unwrap(schema);
  }
  return schema;
}

/** The keys of an object schema, for "did you mean" suggestions. */
export function objectKeys(schema: unknown): string[] | undefined {
  const def = defOf(schema);
  return def?.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : undefined;
}

interface AnyDef {
  type: string;
  shape?: unknown;
  element?: unknown;
  valueType?: unknown;
  innerType?: unknown;
  in?: unknown;
  checks?: unknown[];
  format?: string;
  entries?: Record<string, unknown>;
  values?: unknown[];
  options?: unknown[];
}

function defOf(schema: unknown): AnyDef | undefined {
  return (schema as { _zod?: { def?: AnyDef } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = defOf(current);
    if (!def) return current;
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === "pipe" && def.in !== undefined) current = def.in;
    else return current;
  }
  return current;
}

/** "training.lora.r", "datasets[2].file". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  return out;
}

export function nodeAt(doc: Document, path: readonly PropertyKey[]): YamlNode | undefined {
  if (path.length === 0) return doc.contents ?? undefined;
  const node = doc.getIn(path as unknown[], true);
  return node && typeof node === "object" && "range" in node ? (node as YamlNode) : undefined;
}

export function keyNodeAt(doc: Document, path: readonly PropertyKey[], key: string): YamlNode | undefined {
  const map = nodeAt(doc, path);
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) return pair.key;
  }
  return undefined;
}

/** The value at a path of a parsed document (undefined when the path leaves it). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
