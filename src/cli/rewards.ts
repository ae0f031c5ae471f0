import type { Command } from "commander";
import { registerRewardServerCommands } from "./rewards-serve.js";

export function registerRewardsCommands(program: Command): void {
  const rewards = program.command("rewards").description("Score completions with the Facial-R1 rewards, serve and replay them");
  registerRewardServerCommands(rewards);
}
