import type { Command } from "commander";
import { registerValidationCommands } from "./data-validate.js";
import { registerPartitionCommands } from "./data-partition.js";
import { registerConvertCommands } from "./data-convert.js";

export function registerDataCommands(program: Command): void {
  const data = program.command("data").description("Validate, summarise, shard, split and convert Facial-R1 JSONL datasets");
  registerValidationCommands(data);
  registerPartitionCommands(data);
  registerConvertCommands(data);
}
