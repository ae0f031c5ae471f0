import type { Command } from "commander";
import { Option } from "commander";
import { BufferedOutput } from "./buffered-output.js";
import { REWARD_PRESET_CHOICES } from "./choices.js";
import { registerRewardServerCommands } from "./rewards-serve.js";
import { action, say, sayProblem } from "./io.js";
import type { RewardPresetName } from "../rewards-api.js";

const MAX_PROBLEMS_SHOWN = 20;

export function registerRewardsCommands(program: Command): void {
  const rewards = program.command("rewards").description("Score completions with the Facial-R1 rewards, serve and replay them");
  const preset = new Option("--preset <name>", "reward preset (overrides the config's)").choices(REWARD_PRESET_CHOICES);
  rewards
    .command("score")
    .description("Score completions: one {format, accuracy, au, total} line per input line, in order")
    .argument("<file>", 'JSONL with {"completion", "AUs", "labels"} per line (other keys ignored; "solution" stands in for missing ones)')
    .option("--json", "print one JSON line per input on stdout")
    .addOption(preset)
    .option("--config <file>", "run config (its rewards: section) or reward spec, YAML or JSON")
    .action(
      action(async (file: string, options: { json?: boolean; preset?: RewardPresetName; config?: string }) => {
        const { describeScoring, formatScoredLine, loadRewardSpec, scoreRewardsFile } = await import("../api/reward-files.js");
        const spec = await loadRewardSpec({ configFile: options.config, preset: options.preset });
        const out = new BufferedOutput(process.stdout);
        let problems = 0;
        const counts = await scoreRewardsFile({
          file,
          spec,
          onScores: async (lines) => {
            if (options.json) await out.write(lines.map((line) => `${formatScoredLine(line)}\n`).join(""));
          },
          onProblem: (problem) => {
            if (problems++ < MAX_PROBLEMS_SHOWN) sayProblem(problem);
          },
        });
        await out.flush();
        if (problems > MAX_PROBLEMS_SHOWN) say(`... and ${problems - MAX_PROBLEMS_SHOWN} more problems`);
        say(describeScoring(counts, spec.preset));
        return counts.invalid > 0 ? 1 : 0;
      }),
    );
  registerRewardServerCommands(rewards);
}
