import type { Command } from "commander";
import { registerEvalScoreCommands } from "./eval-score.js";
import { registerEvalRemoteCommands } from "./eval-remote.js";

export function registerEvalCommands(program: Command): void {
  const evalCommand = program.command("eval").description("Evaluate models: inference, exact metrics, the GPT judge, reports");
  registerEvalScoreCommands(evalCommand);
  registerEvalRemoteCommands(evalCommand);
}
