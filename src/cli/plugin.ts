import type { Command } from "commander";
import { Option } from "commander";
import { action, printJson, say } from "./io.js";
import { PLUGIN_TARGETS, type PluginTarget } from "../plugins/targets.js";
import { REWARD_PRESET_NAMES } from "../rewards/preset-names.js";

export function registerPluginCommands(program: Command): void {
  const plugin = program.command("plugin").description("Emit the reward plugins (pure-Python) for R1-style trainers");
  plugin
    .command("build")
    .description("Write the reward plugin of one trainer target, parameterised by the reward spec")
    .addOption(new Option("--target <target>", "trainer").choices([...PLUGIN_TARGETS]).makeOptionMandatory())
    .requiredOption("--out <dir>", "output directory")
    .option("--config <file>", "run config (its rewards: section) or reward spec, YAML or JSON")
    .addOption(new Option("--preset <name>", "reward preset (overrides the config's)").choices([...REWARD_PRESET_NAMES]))
    .option("--json", "print the written files as JSON")
    .action(
      action(async (options: { target: PluginTarget; out: string; config?: string; preset?: string; json?: boolean }) => {
        const { loadRewardSpec } = await import("../rewards/spec-file.js");
        const { buildPlugin } = await import("../plugins/index.js");
        const spec = await loadRewardSpec({ configFile: options.config, preset: options.preset });
        const files = await buildPlugin({ target: options.target, spec, outDir: options.out });
        if (options.json) printJson({ target: options.target, preset: spec.preset, files });
        for (const file of files) say(`wrote ${file}`);
      }),
    );
}
