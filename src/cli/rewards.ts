import type { Command } from "commander";
import { Option } from "commander";
import { registerRewardServerCommands } from "./rewards-serve.js";
import { action, say, sayProblem } from "./io.js";
import { REWARD_PRESET_NAMES } from "../rewards/preset-names.js";
import { Progress } from "../util/progress.js";

const MAX_PROBLEMS_SHOWN = 20;

export function registerRewardsCommands(program: Command): void {
  const rewards = program.command("rewards").description("Score completions with the Facial-R1 rewards, serve and replay them");
  rewards
    .command("score")
    .description("Score completions: one {format, accuracy, au, total} line per input line, in order")
    .argument("<file>", 'JSONL with {"completion", "AUs", "labels"} per line (other keys ignored; "solution" stands in for missing ones)')
    .option("--json", "print one JSON line per input on stdout")
    .addOption(new Option("--preset <name>", "reward preset (overrides the config's)").choices([...REWARD_PRESET_NAMES]))
    .option("--config <file>", "run config (its rewards: section) or reward spec, YAML or JSON")
    .action(
      action(async (file: string, options: { json?: boolean; preset?: string; config?: string }) => {
        const { loadRewardSpec } = await import("../rewards/spec-file.js");
        const { scoreFile, scoredLineJson, summarizeScoring } = await import("../rewards/score-file.js");
        const { BufferedOutput } = await import("../rewards/buffered-output.js");
        const spec = await loadRewardSpec({ configFile: options.config, preset: options.preset });
        const out = new BufferedOutput(process.stdout);
        const progress = new Progress({ label: "rewards score", unit: "lines" });
        let problems = 0;
        const counts = await scoreFile({
          file,
          spec,
          onScores: async (lines) => {
            progress.tick(lines.length);
            if (options.json) await out.write(lines.map((line) => `${scoredLineJson(line)}\n`).join(""));
          },
          onProblem: (problem) => {
            if (problems++ < MAX_PROBLEMS_SHOWN) sayProblem(problem);
          },
        });
        await out.flush();
        progress.finish();
        if (problems > MAX_PROBLEMS_SHOWN) say(`... and ${problems - MAX_PROBLEMS_SHOWN} more problems`);
        say(summarizeScoring(counts, spec.preset));
        return counts.invalid > 0 ? 1 : 0;
      }),
    );
  registerRewardServerCommands(rewards);
}
