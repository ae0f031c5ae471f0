import type { Command } from "commander";

export function registerValidationCommands(_data: Command): void {}
