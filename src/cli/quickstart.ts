import type { Command } from "commander";
import { action, printJson, say, sayProblem } from "./io.js";

export function registerQuickstartCommand(program: Command): void {
  program
    .command("quickstart")
    .description("Run the main job on the bundled synthetic sample dataset: validate, compute stats, shard, plan a GRPO run bundle")
    .option("--out <dir>", "output directory", "quickstart-output")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (opts: { out: string; json?: boolean }) => {
        const { describeQuickstart, runQuickstart } = await import("../api/quickstart.js");
        const summary = await runQuickstart({ out: opts.out, onProblem: sayProblem });
        if (opts.json) printJson(summary);
        else say(describeQuickstart(summary));
        return summary.ok ? 0 : 1;
      }),
    );
}
