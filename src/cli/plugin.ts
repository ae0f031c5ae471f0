import type { Command } from "commander";

export function registerPluginCommands(_program: Command): void {}
