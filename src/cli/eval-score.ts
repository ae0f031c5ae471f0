import type { Command } from "commander";

export function registerEvalScoreCommands(_evalCommand: Command): void {}
