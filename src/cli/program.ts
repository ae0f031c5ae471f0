/** The facial-r1 command tree: every command, its options and its help (run by main.ts). */
import { Command } from "commander";
import { useProjectHelp } from "./help.js";
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
  const program = useProjectHelp(new Command("facial-r1"))
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
