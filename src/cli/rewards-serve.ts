import type { Command } from "commander";

export function registerRewardServerCommands(_rewards: Command): void {}
