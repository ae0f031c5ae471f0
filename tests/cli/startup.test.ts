import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { ROOT } from "../helpers/cli.js";

/**
 * Packages too slow to load on every CLI start: they may only be reached through
 * `await import(...)` inside the command that needs them.
 */
const HEAVY_PACKAGES = ["zod", "openai", "@huggingface/", "sharp", "yaml"];

const ENTRY = join(ROOT, "src", "cli", "main.ts");

/** Specifiers a module loads at evaluation time: its static imports and re-exports that survive compilation. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (!isTypeOnlyImport(statement.importClause)) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.exportClause;
      const onlyTypes = statement.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      if (!onlyTypes) specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

/** TypeScript erases `import type {...}` and imports whose every named binding is marked `type`. */
function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import "x"`: a side effect, always kept
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The .ts source a relative `./x.js` specifier of `from` stands for. */
function resolveSource(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier);
  const candidates = [target.replace(/\.js$/, ".ts"), target, `${target}.ts`, join(target, "index.ts")];
  const found = candidates.find((c) => c.endsWith(".ts") && existsSync(c));
  assert.ok(found, `${relative(ROOT, from)}: cannot resolve import "${specifier}"`);
  return found;
}

/** Every package reached from the entry through static imports, with the import chain that reaches it. */
function packagesLoadedAtStartup(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>([entry]);
  const queue: { file: string; chain: string[] }[] = [{ file: entry, chain: [relative(ROOT, entry)] }];
  while (queue.length > 0) {
    const { file, chain } = queue.shift()!;
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith(".")) {
        const next = resolveSource(file, specifier);
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push({ file: next, chain: [...chain, relative(ROOT, next)] });
      } else if (!specifier.startsWith("node:") && !packages.has(specifier)) {
        packages.set(specifier, [...chain, specifier]);
      }
    }
  }
  return packages;
}

test("the scanner sees through type-only imports and follows re-exports", () => {
  const probe = (code: string) => {
    const source = ts.createSourceFile("probe.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const statement = source.statements[0];
    return ts.isImportDeclaration(statement) ? isTypeOnlyImport(statement.importClause) : undefined;
  };
  assert.equal(probe('import type { A } from "zod";'), true);
  assert.equal(probe('import { type A, type B } from "zod";'), true);
  assert.equal(probe('import { type A, b } from "zod";'), false);
  assert.equal(probe('import z from "zod";'), false);
  assert.equal(probe('import * as z from "zod";'), false);
  assert.equal(probe('import "zod";'), false);
});

test("facial-r1 start-up loads no heavy package: commands import their implementation lazily", () => {
  const packages = packagesLoadedAtStartup(ENTRY);
  assert.ok(packages.has("commander"), "the scan should reach commander from src/cli/main.ts");
  const heavy = [...packages].filter(([name]) => HEAVY_PACKAGES.some((h) => (h.endsWith("/") ? name.startsWith(h) : name === h || name.startsWith(`${h}/`))));
  assert.deepEqual(
    heavy.map(([, chain]) => chain.join(" -> ")),
    [],
    "move these imports into the command's action as `await import(...)`; constants needed while registering belong in a small module without heavy imports",
  );
});
