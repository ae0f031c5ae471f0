import type { Command } from "commander";

export function registerRewardsCommands(_program: Command): void {}
