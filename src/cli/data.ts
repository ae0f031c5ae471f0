import type { Command } from "commander";

export function registerDataCommands(program: Command): void {
  program.command("data").description("Validate, summarise, shard, split and convert Facial-R1 JSONL datasets");
}
