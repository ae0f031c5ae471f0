import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { ROOT } from "../helpers/cli.js";

/**
 * Folders of src/ depend downward only (design: cli → runs/launch → trainer →
 * plugins/hub/synth → eval/rewards → data → schema/taxonomy → util), so that a change low
 * down never drags in the layers above it and no two folders load each other. Folders of one
 * tier may use each other in one direction only. Type-only imports count too: a type that two
 * layers share belongs to the lower one.
 */
const TIERS: string[][] = [
  ["cli"],
  ["api", "index.ts", "rewards-api.ts", "quickstart.ts"],
  ["loop"],
  ["runs", "launch"],
  ["trainer"],
  ["plugins", "hub", "synth"],
  ["eval", "rewards"],
  ["data"],
  ["schema", "taxonomy"],
  ["util", "version.ts"],
];
const TIER_OF = new Map(TIERS.flatMap((names, tier) => names.map((name) => [name, tier] as const)));

const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** The relative module specifiers a file loads: imports, re-exports and `import("...")`. */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((s) => s.startsWith("."));
}

/** The folder (or top-level file) of src/ a path lies in. */
const areaOf = (path: string): string => relative(SRC, path).split(sep)[0];

/** Every import that crosses folders, as [from area, to area, "file -> specifier"]. */
function crossings(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of specifiers(file)) {
      const from = areaOf(file);
      const to = areaOf(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      if (from !== to) out.push([from, to, `${relative(SRC, file)} -> ${spec}`]);
    }
  }
  return out;
}

test("every folder of src/ has its place among the tiers", () => {
  const areas = new Set(sourceFiles(SRC).map(areaOf));
  assert.deepEqual([...areas].filter((a) => !TIER_OF.has(a)).sort(), [], "place each new folder or top-level file in TIERS");
  assert.ok(areas.size > 10, `expected the source folders, found ${[...areas].join(", ")}`);
});

test("folders of src/ import only folders below them, or of their own tier in one direction", () => {
  const all = crossings();
  assert.ok(all.length > 100, `expected the imports between folders, found ${all.length}`);
  const upward = all.filter(([from, to]) => (TIER_OF.get(to) ?? -1) < (TIER_OF.get(from) ?? -1)).map(([, , where]) => where);
  assert.deepEqual(upward, [], "imports that go up a tier");
  const sameTier = new Set(all.filter(([from, to]) => TIER_OF.get(from) === TIER_OF.get(to)).map(([from, to]) => `${from} -> ${to}`));
  const mutual = [...sameTier].filter((edge) => sameTier.has(edge.split(" -> ").reverse().join(" -> ")));
  assert.deepEqual(mutual, [], "folders of one tier that import each other");
});
