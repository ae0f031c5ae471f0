import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";
import { ROOT } from "../helpers/cli.js";

// docs/cli.md is the per-command reference and the README walks through the commands: both
// are kept in step with the command tree that `--help` prints.

interface CliCommand {
  /** The words after `facial-r1`, e.g. "data validate". */
  path: string;
  /** Long option names, e.g. "--rejects", "--no-cache". */
  options: Set<string>;
  leaf: boolean;
}

function commandsOf(command: Command, prefix: string[] = []): CliCommand[] {
  const out: CliCommand[] = [];
  for (const sub of command.commands) {
    const path = [...prefix, sub.name()];
    const options = new Set(sub.options.map((o) => o.long).filter((l): l is string => Boolean(l)));
    out.push({ path: path.join(" "), options, leaf: sub.commands.length === 0 }, ...commandsOf(sub, path));
  }
  return out;
}

const COMMANDS = commandsOf(buildProgram());
const BY_PATH = new Map(COMMANDS.map((c) => [c.path, c]));

interface Section {
  heading: string;
  /** The command paths the heading names ("config validate / config init" names two). */
  names: string[];
  text: string;
}

function sections(markdown: string): Section[] {
  const parts = markdown.split(/^### /m).slice(1);
  return parts
    .map((part) => {
      const heading = part.slice(0, part.indexOf("\n")).trim();
      return { heading, text: part, names: heading.startsWith("facial-r1 ") ? heading.slice("facial-r1 ".length).split(" / ").map((n) => n.trim()) : [] };
    })
    .filter((s) => s.names.length > 0);
}

/** The command paths a section covers: those it names, and their subcommands. */
function covers(section: Section, path: string): boolean {
  return section.names.some((name) => path === name || path.startsWith(`${name} `));
}

const reference = await readFile(join(ROOT, "docs", "cli.md"), "utf8");
const readme = await readFile(join(ROOT, "README.md"), "utf8");

test("docs/cli.md has a section for every command, and every option of a command appears in its section", () => {
  const found = sections(reference);
  const missing: string[] = [];
  const undocumented: string[] = [];
  for (const command of COMMANDS.filter((c) => c.leaf)) {
    const own = found.filter((s) => covers(s, command.path));
    if (own.length === 0) {
      missing.push(command.path);
      continue;
    }
    const text = own.map((s) => s.text).join("\n");
    for (const option of command.options) {
      if (!new RegExp(`${option.replace(/[-]/g, "\\-")}(?![\\w-])`).test(text)) undocumented.push(`${command.path} ${option}`);
    }
  }
  assert.deepEqual(missing, [], "commands without a section in docs/cli.md");
  assert.deepEqual(undocumented, [], "options missing from their command's section in docs/cli.md");
});

test("every section of docs/cli.md names commands that exist", () => {
  const stale = sections(reference).flatMap((s) => s.names.filter((name) => !BY_PATH.has(name)).map((name) => `### ${s.heading}: ${name}`));
  assert.deepEqual(stale, []);
});

/** `facial-r1 ...` command lines in the fenced code blocks of a markdown text. */
function exampleLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.split("```").filter((_, i) => i % 2 === 1)) {
    for (const raw of block.split("\n")) {
      const line = raw.replace(/^\s*(npx\s+)?/, "");
      if (line.startsWith("facial-r1 ")) lines.push(line.replace(/\s+#.*$/, "").split(/\s+(?:&&|\||>)\s+/)[0]);
    }
  }
  return lines;
}

/** The command a line runs (its longest known path) and the options it passes that the command lacks. */
function unknownOptions(line: string): { command?: string; unknown: string[] } {
  const words = line.split(/\s+/).slice(1);
  let command: CliCommand | undefined;
  for (let n = 1; n <= words.length; n++) command = BY_PATH.get(words.slice(0, n).join(" ")) ?? command;
  if (!command) return { unknown: [] };
  const unknown = words
    .filter((w) => w.startsWith("--"))
    .map((w) => w.replace(/=.*$/, ""))
    .filter((w) => w !== "--help" && !command.options.has(w));
  return { command: command.path, unknown };
}

test("the command lines of the README and docs/cli.md run real commands with real options", () => {
  const lines = [...exampleLines(readme), ...exampleLines(reference)];
  assert.ok(lines.length > 40, `expected the docs to show many command lines, found ${lines.length}`);
  const problems: string[] = [];
  for (const line of lines) {
    const { command, unknown } = unknownOptions(line);
    if (!command && !/^facial-r1 (--version|--help)/.test(line)) problems.push(`no such command: ${line}`);
    for (const option of unknown) problems.push(`${command}: no option ${option} in: ${line}`);
  }
  assert.deepEqual(problems, []);
});
