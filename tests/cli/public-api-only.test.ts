import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import ts from "typescript";
import { ROOT } from "../helpers/cli.js";

/**
 * The CLI is a thin layer over the SDK: it calls only what the package's public entry points
 * (`facial-r1` and `facial-r1/rewards`) export, so whatever a command does, a user can do from
 * TypeScript. A command may load a public function from the module the entry points take it
 * from (`await import("../api/runs.js")`), so that it loads its own area of the library and not
 * all of it; every name it takes from there must be one the entry points export from that module.
 * The only other modules the CLI may load are the version and the process plumbing every
 * command shares (error and progress wording, the run context, the temporary-file sweep).
 */
const PUBLIC_ENTRIES = new Set(["../index.js", "../rewards-api.js", "../version.js"]);
const SHARED_PLUMBING = new Set(["../util/errors.js", "../util/progress.js", "../util/run-context.js", "../util/temp-files.js"]);
const ENTRY_FILES = ["index.ts", "rewards-api.ts"];

const SRC = join(ROOT, "src");
const CLI_DIR = join(SRC, "cli");

function parse(fileName: string, text: string): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** Value names the entry points re-export, with the module each comes from as the CLI names it (`../api/runs.js`). */
function publicNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of ENTRY_FILES) {
    const source = parse(entry, readFileSync(join(SRC, entry), "utf8"));
    for (const statement of source.statements) {
      if (!ts.isExportDeclaration(statement) || statement.isTypeOnly || !statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = posix.join("..", statement.moduleSpecifier.text);
      const clause = statement.exportClause;
      if (!clause || !ts.isNamedExports(clause)) continue;
      for (const element of clause.elements) if (!element.isTypeOnly && !element.propertyName) names.set(element.name.text, from);
    }
  }
  return names;
}

interface ImportUse {
  specifier: string;
  /** For `const { a, b: c } = await import("...")`: the names taken (a, b); otherwise undefined. */
  names?: string[];
}

/** Every module a file loads: static imports, re-exports and `import("...")` calls, with the names destructured from the latter. */
function importUses(fileName: string, text: string): ImportUse[] {
  const found: ImportUse[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push({ specifier: node.moduleSpecifier.text });
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      const specifier = arg && ts.isStringLiteral(arg) ? arg.text : "<computed>";
      const declaration = ts.isAwaitExpression(node.parent) && ts.isVariableDeclaration(node.parent.parent) ? node.parent.parent : undefined;
      const names = declaration && ts.isObjectBindingPattern(declaration.name) ? declaration.name.elements.map((e) => (e.propertyName ?? e.name).getText()) : undefined;
      found.push({ specifier, names });
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(fileName, text));
  return found;
}

test("the CLI calls only what the public entry points export", () => {
  const exported = publicNames();
  assert.equal(exported.get("planRun"), "../api/plan-run.js", "the entry points' exports are read");
  const offending: string[] = [];
  const files = readdirSync(CLI_DIR).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length > 10, "src/cli has its command modules");
  for (const name of files) {
    const file = join(CLI_DIR, name);
    for (const use of importUses(file, readFileSync(file, "utf8"))) {
      const { specifier } = use;
      const local = specifier.startsWith("./");
      const external = !specifier.startsWith(".") && specifier !== "<computed>";
      if (local || external || PUBLIC_ENTRIES.has(specifier) || SHARED_PLUMBING.has(specifier)) continue;
      if (use.names && use.names.length > 0 && [...exported.values()].includes(specifier)) {
        const internal = use.names.filter((n) => exported.get(n) !== specifier);
        if (internal.length === 0) continue;
        offending.push(`src/cli/${name}: ${internal.join(", ")} from ${specifier} (not exported by the entry points from there)`);
        continue;
      }
      offending.push(`src/cli/${name}: ${specifier}`);
    }
  }
  assert.deepEqual(offending, [], `internal modules or names used by the CLI:\n${offending.join("\n")}`);
});

test("the rule sees static, type-only and dynamic imports, re-exports and the names taken", () => {
  const probe = 'import type { A } from "../data/x.js";\nconst { planRun, b: c } = await import("../api/plan-run.js");\nexport { d } from "../z.js";\nimport(name);\n';
  assert.deepEqual(importUses("probe.ts", probe), [
    { specifier: "../data/x.js" },
    { specifier: "../api/plan-run.js", names: ["planRun", "b"] },
    { specifier: "../z.js" },
    { specifier: "<computed>", names: undefined },
  ]);
});
