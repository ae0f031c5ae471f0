import type { Command } from "commander";

export function registerConvertCommands(_data: Command): void {}
