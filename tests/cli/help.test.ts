import { test } from "node:test";
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";

/** Every command with its full name, depth first. */
function commands(command: Command, prefix: string[] = []): { name: string; command: Command }[] {
  const name = [...prefix, command.name()];
  return [{ name: name.join(" "), command }, ...command.commands.flatMap((c) => commands(c, name))];
}

/** A command's --help, its lines unwrapped (commander wraps at the terminal width). */
function helpOf(command: Command): string {
  return command.helpInformation().replace(/\s+/g, " ");
}

const ALL = commands(buildProgram());

test("every default in --help is written one way: (default: value), without JSON quotes", () => {
  assert.ok(ALL.length > 40, `${ALL.length} commands`);
  const bad: string[] = [];
  for (const { name, command } of ALL) {
    const help = helpOf(command);
    const words = help.match(/\bdefault\b/gi) ?? [];
    const written = help.match(/(\(|; )default: [^"]/g) ?? [];
    if (words.length !== written.length) bad.push(`${name}: ${[...help.matchAll(/.{0,50}\bdefault\b.{0,30}/gi)].map((m) => m[0]).join(" | ")}`);
  }
  assert.deepEqual(bad, []);
});

test("every required option says (required) in --help", () => {
  let required = 0;
  for (const { name, command } of ALL) {
    const help = command.createHelp();
    for (const option of command.options.filter((o) => o.mandatory)) {
      required++;
      assert.match(help.optionDescription(option), /\(required[;)]/, `${name} ${option.flags}`);
      assert.match(helpOf(command), new RegExp(`${option.long} \\S+ .*?\\(required`), `${name} ${option.flags}`);
    }
    for (const option of command.options.filter((o) => !o.mandatory)) assert.doesNotMatch(help.optionDescription(option), /\(required/, `${name} ${option.flags}`);
  }
  assert.ok(required >= 28, `${required} required options`);
});

test("quickstart --help names every step it runs, the plan included", () => {
  const quickstart = ALL.find((c) => c.name === "facial-r1 quickstart")!;
  assert.match(helpOf(quickstart.command), /validate.*stats.*shard.*plan/);
});
