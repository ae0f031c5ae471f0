import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { RunConfigSchema, type RunConfig } from "../schema/run-config.js";
import { invalidInput, type Problem, unreadableReason } from "../util/errors.js";
import { byPosition, configIssueProblems, formatPath, nodeAt } from "./config-issue.js";
import { GRPO_IGNORED_FLAGS } from "./flags.js";
import { closestMatch } from "./suggest.js";

export { formatPath };

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
    const problems = result.error.issues.flatMap((issue) => configIssueProblems(issue, { schema: RunConfigSchema, doc, value, file, at, unknownKeyNote: trainerFlagNote }));
    problems.sort(byPosition);
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

/** For an unknown key that is a trainer flag the trainer accepts but ignores (or one close to it), say so. */
function trainerFlagNote(key: string, suggestion: string | undefined): string | undefined {
  const ignored = GRPO_IGNORED_FLAGS[key];
  if (ignored) return `: the trainer accepts ${key} but ignores it (${ignored})`;
  if (suggestion) return undefined;
  const near = closestMatch(key, Object.keys(GRPO_IGNORED_FLAGS));
  return near ? `; if you meant ${near}: the trainer accepts it but ignores it (${GRPO_IGNORED_FLAGS[near]})` : undefined;
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
