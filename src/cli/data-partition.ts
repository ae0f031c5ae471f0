import type { Command } from "commander";

export function registerPartitionCommands(_data: Command): void {}
