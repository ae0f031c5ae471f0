import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { z } from "zod";
import { configError, formatPath, keyNodeAt, nodeAt } from "../trainer/config-file.js";
import { closestMatch } from "../trainer/suggest.js";
import type { Problem } from "../util/errors.js";
import { LoopConfigSchema, type LoopConfig } from "./config.js";

export interface LoadedLoopConfig {
  file: string;
  /** Folder relative paths resolve against: the loop file's. */
  baseDir: string;
  config: LoopConfig;
  text: string;
  /** The output folder: --out, else the config's `out`, else `<name>` next to the file. */
  out: string;
}

/** A path of the config, resolved against the loop file's folder. */
export function resolveFromLoop(loaded: Pick<LoadedLoopConfig, "baseDir">, path: string): string {
  return resolve(loaded.baseDir, path);
}

export async function parseLoopConfigFile(file: string): Promise<{ ok: true; loaded: LoadedLoopConfig } | { ok: false; problems: Problem[] }> {
  const read = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => err);
  if (typeof read !== "string") return { ok: false, problems: [{ file, message: read.code === "ENOENT" ? "no such file" : `cannot read: ${read.code ?? read.message}` }] };
  const text = read;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` })) };
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problems: [{ file, line: 1, column: 1, message: "a loop config is a YAML mapping (name, train, data, pool, eval, endpoint, stop, ...)" }] };
  }
  const parsed = LoopConfigSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap((issue) => problemsOf(issue, doc, file, at)) };
  const baseDir = dirname(resolve(file));
  const config = parsed.data;
  return { ok: true, loaded: { file, baseDir, config, text, out: resolve(baseDir, config.out ?? join(".", config.name)) } };
}

/** `parseLoopConfigFile`, throwing one invalid-input error that lists every problem. */
export async function loadLoopConfig(file: string, outOverride?: string): Promise<LoadedLoopConfig> {
  const result = await parseLoopConfigFile(file);
  if (!result.ok) throw configError(result.problems);
  return outOverride === undefined ? result.loaded : { ...result.loaded, out: resolve(outOverride) };
}

function problemsOf(issue: z.core.$ZodIssue, doc: Document, file: string, at: (offset: number | undefined) => { line?: number; column?: number }): Problem[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(path);
    return issue.keys.map((key) => {
      const suggestion = known ? closestMatch(key, known) : undefined;
      const message = `unknown key "${key}"${suggestion ? `; did you mean "${suggestion}"?` : known ? `; expected one of ${known.join(", ")}` : ""}`;
      return { file, ...at(keyNodeAt(doc, path, key)?.range?.[0] ?? nodeAt(doc, path)?.range?.[0]), field: formatPath([...path, key]), message, fix: suggestion };
    });
  }
  let node: YamlNode | undefined;
  for (let n = path.length; n >= 0 && !node; n--) node = nodeAt(doc, path.slice(0, n));
  const message = issue.code === "invalid_type" && issue.input === undefined ? `required: ${issue.message}` : issue.message;
  return [{ file, ...at(node?.range?.[0]), field: formatPath(path) || undefined, message }];
}

/** The keys of the object at a config path, read from the JSON Schema (for suggestions). */
function keysAt(path: readonly PropertyKey[]): string[] | undefined {
  let schema = z.toJSONSchema(LoopConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  for (const key of path) {
    const next: JsonSchemaNode | undefined = typeof key === "number" ? schema.items : schema.properties?.[String(key)];
    if (!next) return undefined;
    schema = next;
  }
  return schema.properties ? Object.keys(schema.properties) : undefined;
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}
