import type { Command } from "commander";
import { action, printJson, say, sayProblem } from "./io.js";
import { DEFAULT_QUICKSTART_OUT } from "../quickstart-defaults.js";

export function registerQuickstartCommand(program: Command): void {
  program
    .command("quickstart")
    .description("Run the main job on the bundled synthetic sample dataset: validate, compute stats, shard, plan a GRPO run bundle")
    .option("--out <dir>", "output directory", DEFAULT_QUICKSTART_OUT)
    .option("--json", "print the summary as JSON on stdout")
    .action(
      action(async (opts: { out: string; json?: boolean }) => {
        const { describeQuickstart, runQuickstart } = await import("../quickstart.js");
        const summary = await runQuickstart({ out: opts.out, onProblem: sayProblem });
        if (opts.json) printJson(summary);
        else say(describeQuickstart(summary));
        return summary.ok ? 0 : 1;
      }),
    );
}
