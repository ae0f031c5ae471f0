import { test } from "node:test";
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";
import { INPUT_FAULTS } from "./corpus.js";
import { commandOf, faultPairs } from "./matrix.js";
import { SUBJECTS } from "./subjects.js";

/** Commands that read no file a user hands them (what they read is made or fetched by facial-r1), with why. */
const READS_NO_USER_FILE: Record<string, string> = {
  "config init": "writes a starter run config",
  "loop init": "writes a starter loop config",
  status: "reads the run registry",
  logs: "reads the run's log through its backend",
  cancel: "reads the run registry",
  pull: "copies what a launched run wrote",
  "runs list": "reads the run registry",
  "runs show": "reads the run registry",
  "hub pull-dataset": "downloads from the Hub",
  "hub pull-model": "downloads from the Hub",
  quickstart: "runs on the bundled sample",
};

function leafCommands(command: Command, prefix: string[] = []): string[] {
  const name = [...prefix, command.name()];
  if (command.commands.length === 0) return [name.slice(1).join(" ")];
  return command.commands.flatMap((c) => leafCommands(c, name));
}

test("the fault matrix: every (command × fault) pair once; the count", (t) => {
  const pairs = faultPairs();
  const keys = pairs.map((p) => `${p.command} × ${p.fault}`);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], "pairs run twice");
  const commands = new Set(pairs.map((p) => p.command));
  const bySuite = new Map<string, number>();
  for (const p of pairs) bySuite.set(p.suite, (bySuite.get(p.suite) ?? 0) + 1);
  t.diagnostic(`fault matrix: ${pairs.length} (command × fault) pairs over ${commands.size} commands (${[...bySuite].map(([s, n]) => `${s} ${n}`).join(", ")})`);
  // Each of the issue's faults is exercised.
  const faults = pairs.map((p) => p.fault).join("\n");
  for (const fault of [...INPUT_FAULTS.map((f) => `${f} input`), "read-only file system", "device node", "symbolic link", "EPIPE", "SIGINT mid-write"]) {
    assert.ok(faults.includes(fault), `no pair with the fault "${fault}"`);
  }
});

test("every command that reads a user file is in the fault matrix, or says why it reads none", () => {
  const covered = new Set(faultPairs().map((p) => commandOf(p.command)));
  const all = leafCommands(buildProgram());
  const unaccounted = all.filter((c) => !covered.has(c) && !(c in READS_NO_USER_FILE));
  assert.deepEqual(unaccounted, [], "commands neither in the fault matrix nor known to read no user file");
  const stale = Object.keys(READS_NO_USER_FILE).filter((c) => covered.has(c) || !all.includes(c));
  assert.deepEqual(stale, [], "listed as reading no user file, yet in the matrix or not a command");
});

test("every command given a bad input has an outcome for each fault of the corpus", () => {
  for (const subject of SUBJECTS) {
    assert.deepEqual(INPUT_FAULTS.filter((f) => subject.inputFaults[f] === undefined), [], subject.name);
  }
});
