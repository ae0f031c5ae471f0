import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
import type { z } from "zod";
import { RunConfigSchema, type RunConfig } from "../schema/run-config.js";
import { invalidInput, type Problem, unreadableReason } from "../util/errors.js";
import { GRPO_IGNORED_FLAGS } from "./flags.js";
import { closestMatch } from "./suggest.js";

export interface LoadedRunConfig {
  /** The config file as given. */
  file: string;
  /** Directory that relative paths in the config are resolved against. */
  baseDir: string;
  config: RunConfig;
  /** Original text, hashed into the manifest. */
  text: string;
  /** Where a config path (e.g. ["datasets", 2, "file"]) sits in the file. */
  locate: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;
}

export type ParseResult = { ok: true; loaded: LoadedRunConfig } | { ok: false; problems: Problem[] };

/** Reads, parses and validates a run config; problems carry `file:line:column` and the YAML path. */
export async function parseRunConfigFile(file: string): Promise<ParseResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, problems: [{ file, message: unreadableReason(err) }] };
  }
  if (!isUtf8(bytes)) {
    return { ok: false, problems: [{ file, line: firstNonUtf8Line(bytes), message: "not UTF-8 text (a YAML run config must be UTF-8)" }] };
  }
  return parseRunConfigText(bytes.toString("utf8"), file);
}

export function parseRunConfigText(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` })),
    };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problems: [{ file, line: 1, column: 1, message: "a run config is a YAML mapping (name, stage, model, datasets, ...)" }] };
  }
  const locate = (path: readonly PropertyKey[]) => at(nodeAt(doc, path)?.range?.[0]);
  const result = RunConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => issueProblems(issue, doc, file, at));
    return { ok: false, problems };
  }
  return { ok: true, loaded: { file, baseDir: dirname(resolve(file)), config: result.data, text, locate } };
}

/** `parseRunConfigFile`, throwing one invalid-input error listing every problem. */
export async function loadRunConfig(file: string): Promise<LoadedRunConfig> {
  const result = await parseRunConfigFile(file);
  if (!result.ok) throw configError(result.problems);
  return result.loaded;
}

/** A path from the config, resolved against the config file's directory (absolute paths stay). */
export function resolveFromConfig(loaded: Pick<LoadedRunConfig, "baseDir">, path: string): string {
  return resolve(loaded.baseDir, path);
}

export function configError(problems: Problem[]): Error {
  const first = problems[0];
  const rest = problems.slice(1).map((p) => `\n  ${[p.file, p.line, p.column].filter((x) => x !== undefined).join(":")}: ${p.field ? `${p.field}: ` : ""}${p.message}`);
  const err = invalidInput(`${first.message}${rest.join("")}`, { file: first.file, line: first.line, column: first.column, field: first.field });
  return err;
}

/** "training.lora.r", "datasets[2].file". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  return out;
}

function issueProblems(
  issue: z.core.$ZodIssue,
  doc: Document,
  file: string,
  at: (offset: number | undefined) => { line: number; column: number } | undefined,
): Problem[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(path);
    return issue.keys.map((key) => {
      const keyNode = keyNodeAt(doc, path, key);
      const ignored = GRPO_IGNORED_FLAGS[key];
      const suggestion = known ? closestMatch(key, known) : undefined;
      const nearIgnored = ignored || suggestion ? undefined : closestMatch(key, Object.keys(GRPO_IGNORED_FLAGS));
      let message = `unknown key "${key}"`;
      if (ignored) message += `: the trainer accepts ${key} but ignores it (${ignored})`;
      else if (suggestion) message += `; did you mean "${suggestion}"?`;
      else if (nearIgnored) message += `; if you meant ${nearIgnored}: the trainer accepts it but ignores it (${GRPO_IGNORED_FLAGS[nearIgnored]})`;
      else if (known) message += `; expected one of ${known.join(", ")}`;
      return { file, ...at(keyNode?.range?.[0] ?? nodeAt(doc, path)?.range?.[0]), field: formatPath([...path, key]), message, fix: suggestion };
    });
  }
  // A missing key points at the closest enclosing node that exists.
  let node: YamlNode | undefined;
  for (let n = path.length; n >= 0 && !node; n--) node = nodeAt(doc, path.slice(0, n));
  const message = issue.code === "invalid_type" && issue.input === undefined ? `required: ${issue.message}` : issue.message;
  return [{ file, ...at(node?.range?.[0]), field: formatPath(path) || undefined, message }];
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

/** Keys of the object schema at a config path, for suggestions. */
function knownKeys(path: readonly PropertyKey[]): string[] | undefined {
  let schema: unknown = RunConfigSchema;
  for (const key of path) {
    schema = unwrap(schema);
    const def = defOf(schema);
    if (def?.type === "object" && typeof key === "string") schema = (def.shape as Record<string, unknown>)[key];
    else if (def?.type === "array" && typeof key === "number") schema = def.element;
    else if (def?.type === "record") schema = def.valueType;
    else return undefined;
  }
  const def = defOf(unwrap(schema));
  return def?.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : undefined;
}

interface AnyDef {
  type: string;
  shape?: unknown;
  element?: unknown;
  valueType?: unknown;
  innerType?: unknown;
  in?: unknown;
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

/** 1-based number of the first line of `bytes` that is not UTF-8 (only called on invalid input). */
function firstNonUtf8Line(bytes: Buffer): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1 || !isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
}
