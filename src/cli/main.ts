#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { reportError } from "./io.js";
import { guardProcess } from "./process-guard.js";
import { registerDataCommands } from "./data.js";
import { registerQuickstartCommand } from "./quickstart.js";
import { registerRewardsCommands } from "./rewards.js";
import { registerPluginCommands } from "./plugin.js";
import { registerEvalCommands } from "./eval.js";
import { registerPlanCommands } from "./plan.js";
import { registerLaunchCommands } from "./launch.js";
import { registerSynthCommands } from "./synth.js";
import { registerHubCommands } from "./hub.js";
import { registerLoopCommands } from "./loop.js";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("facial-r1")
    .description("Facial-R1 control plane: datasets, rewards, trainer bundles, launches, evaluation")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerDataCommands(program);
  registerRewardsCommands(program);
  registerPluginCommands(program);
  registerPlanCommands(program);
  registerLaunchCommands(program);
  registerEvalCommands(program);
  registerSynthCommands(program);
  registerHubCommands(program);
  registerLoopCommands(program);
  registerQuickstartCommand(program);
  return program;
}

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
