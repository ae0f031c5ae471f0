import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import { Document, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { invalidInput, type Problem, unreadableReason } from "./errors.js";
import { firstNonUtf8Line } from "./utf8.js";
import { byPosition, configIssueProblems, nodeAt, type ConfigIssueContext } from "./config-issue.js";

/**
 * Reading a YAML (or JSON) config file the one way every config is read: a file that cannot be
 * read, is not UTF-8, is not YAML or is not a mapping, and every key of the wrong type, is a
 * problem at `file:line:column` in plain words (see config-issue.ts).
 */
export interface YamlMapping {
  file: string;
  text: string;
  doc: Document;
  /** The mapping as plain values. */
  value: Record<string, unknown>;
  /** A source offset as 1-based line and column. */
  at: (offset: number | undefined) => { line: number; column: number } | undefined;
  /** Where a config path (e.g. ["datasets", 2, "file"]) sits in the file. */
  locate: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** `kind` names the config in messages, e.g. `a run config` with `mappingHint` `(name, stage, ...)`. */
export interface YamlConfigKind {
  kind: string;
  mappingHint?: string;
}

export async function readYamlMapping(file: string, what: YamlConfigKind): Promise<Parsed<YamlMapping>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, problems: [{ file, message: unreadableReason(err) }] };
  }
  if (!isUtf8(bytes)) {
    return { ok: false, problems: [{ file, line: firstNonUtf8Line(bytes), message: `not UTF-8 text (${what.kind} must be UTF-8)` }] };
  }
  return parseYamlMapping(bytes.toString("utf8"), file, what);
}

export function parseYamlMapping(text: string, file: string, what: YamlConfigKind): Parsed<YamlMapping> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` })) };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const hint = what.mappingHint ? ` ${what.mappingHint}` : "";
    return { ok: false, problems: [{ file, line: 1, column: 1, message: `${what.kind} is a YAML mapping${hint}` }] };
  }
  const locate = (path: readonly PropertyKey[]) => at(nodeAt(doc, path)?.range?.[0]);
  return { ok: true, value: { file, text, doc, value: value as Record<string, unknown>, at, locate } };
}

/** A mapping for settings that come from no file (only from flags): problems then name no place. */
export function noYamlFile(value: Record<string, unknown> = {}): YamlMapping {
  return { file: "", text: "", doc: new Document(value), value, at: () => undefined, locate: () => undefined };
}

/**
 * `value` (the mapping, or something built from it) checked against `schema`; every problem
 * located in the mapping's file, in file order.
 */
export function checkYamlConfig<S extends z.ZodType>(schema: S, mapping: YamlMapping, value: unknown = mapping.value, options: Pick<ConfigIssueContext, "unknownKeyNote"> = {}): Parsed<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const ctx: ConfigIssueContext = { schema, doc: mapping.doc, value, file: mapping.file || undefined, at: mapping.at, unknownKeyNote: options.unknownKeyNote };
  return { ok: false, problems: result.error.issues.flatMap((issue) => configIssueProblems(issue, ctx)).sort(byPosition) };
}

/** One invalid-input error listing every problem: the first as the message, the rest below it. */
export function configError(problems: Problem[]): Error {
  const first = problems[0];
  const rest = problems.slice(1).map((p) => `\n  ${[p.file, p.line, p.column].filter((x) => x !== undefined).join(":")}: ${p.field ? `${p.field}: ` : ""}${p.message}`);
  return invalidInput(`${first.message}${rest.join("")}`, { file: first.file, line: first.line, column: first.column, field: first.field });
}

/** The value of a check, or a thrown `configError`. */
export function orThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw configError(parsed.problems);
  return parsed.value;
}
