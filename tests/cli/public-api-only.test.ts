import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { ROOT } from "../helpers/cli.js";

/**
 * The CLI is a thin layer over the SDK: it reaches the library only through the package's
 * public entry points (`facial-r1` and `facial-r1/rewards`), so that whatever a command does,
 * a user can do from TypeScript. The only other modules it may load are the version and the
 * process plumbing every command shares (error and progress wording, the run context, the
 * temporary-file sweep on signals).
 */
const PUBLIC_ENTRIES = new Set(["../index.js", "../rewards-api.js", "../version.js"]);
const SHARED_PLUMBING = new Set(["../util/errors.js", "../util/progress.js", "../util/run-context.js", "../util/temp-files.js"]);

const CLI_DIR = join(ROOT, "src", "cli");

/** Every module specifier a file names: static imports, re-exports and `import("...")` calls. */
function specifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      found.push(arg && ts.isStringLiteral(arg) ? arg.text : "<computed>");
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test("the CLI imports the library only through its public entry points", () => {
  const offending: string[] = [];
  const files = readdirSync(CLI_DIR).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length > 10, "src/cli has its command modules");
  for (const name of files) {
    const file = join(CLI_DIR, name);
    for (const spec of specifiers(file, readFileSync(file, "utf8"))) {
      const local = spec.startsWith("./");
      const external = !spec.startsWith(".") && spec !== "<computed>";
      if (local || external || PUBLIC_ENTRIES.has(spec) || SHARED_PLUMBING.has(spec)) continue;
      offending.push(`src/cli/${name}: ${spec}`);
    }
  }
  assert.deepEqual(offending, [], `internal modules imported by the CLI:\n${offending.join("\n")}`);
});

test("the rule sees static, type-only and dynamic imports and re-exports", () => {
  const probe = 'import type { A } from "../data/x.js";\nconst m = await import("../runs/y.js");\nexport { b } from "../z.js";\nimport(name);\n';
  assert.deepEqual(specifiers("probe.ts", probe), ["../data/x.js", "../runs/y.js", "../z.js", "<computed>"]);
});
