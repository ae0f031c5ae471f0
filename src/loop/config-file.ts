import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { configError } from "../trainer/config-file.js";
import { byPosition, configIssueProblems } from "../trainer/config-issue.js";
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
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` })) };
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problems: [{ file, line: 1, column: 1, message: "a loop config is a YAML mapping (name, train, data, pool, eval, endpoint, stop, ...)" }] };
  }
  const parsed = LoopConfigSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap((issue) => configIssueProblems(issue, { schema: LoopConfigSchema, doc, value, file, at })).sort(byPosition) };
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
