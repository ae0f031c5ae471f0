import type { Command } from "commander";

export function registerEvalRemoteCommands(_evalCommand: Command): void {}
