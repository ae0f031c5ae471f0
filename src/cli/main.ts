#!/usr/bin/env node
import { CommanderError } from "commander";
import { reportError } from "./io.js";
import { guardProcess } from "./process-guard.js";
import { buildProgram } from "./program.js";

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return 2;
    }
    return reportError(err);
  }
}

guardProcess();
main(process.argv).then((code) => {
  process.exitCode = code;
});
