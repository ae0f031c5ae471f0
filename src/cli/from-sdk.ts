import type { Command } from "commander";

/**
 * Option choices and help text that come from the SDK (converter names, reward presets, plugin
 * targets, defaults). Loading the SDK takes a while, so it is not loaded while the command tree
 * is built: `fill` runs once the program is about to hand the arguments to `group` (a command
 * of the program, such as `data`), before anything under it is parsed, so its commands' `--help`,
 * their usage errors and their actions all see what it filled in.
 */
export function fillFromSdk(group: Command, fill: () => Promise<void>): void {
  const program = group.parent;
  if (program === null) throw new Error(`add "${group.name()}" to the program before filling it from the SDK`);
  program.hook("preSubcommand", async (_program, command) => {
    if (command === group) await fill();
  });
}
