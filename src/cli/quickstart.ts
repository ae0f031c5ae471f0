import type { Command } from "commander";

export function registerQuickstartCommand(program: Command): void {
  program.command("quickstart").description("Run the main job on the bundled sample dataset");
}
