import type { Command } from "commander";
import { Option } from "commander";
import { PLUGIN_TARGET_CHOICES, REWARD_PRESET_CHOICES } from "./choices.js";
import { action, printJson, say } from "./io.js";
import type { PluginTarget, RewardPresetName } from "../rewards-api.js";
import { InvalidInputError } from "../util/errors.js";

export function registerPluginCommands(program: Command): void {
  const plugin = program.command("plugin").description("Emit the reward plugins (pure-Python) for R1-style trainers");
  const target = new Option("--target <target>", "trainer").makeOptionMandatory().choices(PLUGIN_TARGET_CHOICES);
  const preset = new Option("--preset <name>", "reward preset (overrides the config's)").choices(REWARD_PRESET_CHOICES);
  plugin
    .command("build")
    .description("Write the reward plugin of one trainer target, parameterised by the reward spec (or calling a reward server)")
    .addOption(target)
    .requiredOption("--out <dir>", "output directory")
    .option("--config <file>", "run config (its rewards: section) or reward spec, YAML or JSON")
    .addOption(preset)
    .option("--server <url>", "instead: a client of this reward server's TypeScript-defined rewards (GET /v1/rewards lists them)")
    .option("--json", "print the written files as JSON")
    .action(
      action(async (options: { target: PluginTarget; out: string; config?: string; preset?: RewardPresetName; server?: string; json?: boolean }) => {
        const { buildRemoteRewardPlugin } = await import("../api/rewards.js");
        const { buildRewardPlugin } = await import("../api/reward-plugin.js");
        let files: string[];
        if (options.server !== undefined) {
          if (options.config !== undefined || options.preset !== undefined) throw new InvalidInputError("--server builds a client of the server's rewards: --config and --preset do not apply");
          files = await buildRemoteRewardPlugin({ target: options.target, outDir: options.out, server: options.server });
        } else {
          files = await buildRewardPlugin({ target: options.target, outDir: options.out, configFile: options.config, preset: options.preset });
        }
        if (options.json) printJson({ target: options.target, ...(options.server ? { server: options.server } : {}), files });
        for (const file of files) say(`wrote ${file}`);
      }),
    );
}
