import type { Command } from "commander";
import { InvalidInputError } from "../util/errors.js";
import { action, printJson, say, sayProblem, withInterrupt } from "./io.js";

export function registerLoopCommands(program: Command): void {
  const loop = program
    .command("loop")
    .description("The stage-3 loop as one resumable command: train, evaluate, synthesize, merge, push, again (facial-r1 loop LOOP.yaml)");

  loop
    .command("run", { isDefault: true })
    .description("Run the rounds of a loop config; run it again after a kill or Ctrl-C to continue where it stopped")
    .argument("<config>", "loop config YAML (facial-r1 loop init writes a starter)")
    .option("--out <dir>", "output folder (default: the config's out, else <name> next to it)")
    .option("--retry-failed", "launch a round whose training run failed again instead of stopping")
    .option("--json", "print the summary (rounds, metrics, report files) as JSON on stdout")
    .action(
      action(async (file: string, opts: { out?: string; retryFailed?: boolean; json?: boolean }) => {
        const { runLoop } = await import("../api/run-loop.js");
        const summary = await withInterrupt("interrupted: stopping after the requests in flight; run the same command again to continue (jobs keep running)", (signal) =>
          runLoop({ config: file, out: opts.out, retryFailed: opts.retryFailed, onMessage: say, onProblem: sayProblem, signal }),
        );
        say(`loop: ${summary.rounds.length} round(s); ${summary.finished?.reason ?? "not finished"}; report ${summary.report.html}`);
        if (opts.json) printJson(summary);
        return 0;
      }),
    );

  loop
    .command("validate")
    .description("Check a loop config (schema, paths are not opened); problems as file:line:column: setting: message")
    .argument("<config>", "loop config YAML")
    .option("--json", "print {ok, problems} as JSON on stdout")
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        const { validateLoopConfig } = await import("../api/run-loop.js");
        const { ok, problems, config, out } = await validateLoopConfig({ file });
        if (opts.json) printJson({ ok, problems });
        for (const p of problems) sayProblem(p);
        if (!ok || !config) return 2;
        say(`${file}: valid (loop ${config.name}: up to ${config.stop.rounds} rounds, output ${out})`);
        return 0;
      }),
    );

  loop
    .command("init")
    .description("Write an annotated starter loop config")
    .argument("[file]", "where to write it", "loop.yaml")
    .option("--name <name>", "loop name", "fea-loop")
    .option("--run-config <file>", "run config trained each round", "run.yaml")
    .option("--force", "overwrite an existing file")
    .action(
      action(async (file: string, opts: { name: string; runConfig: string; force?: boolean }) => {
        const { RUN_NAME_PATTERN } = await import("../schema/run-config.js");
        const { writeStarterLoopConfig } = await import("../api/starter-configs.js");
        if (!RUN_NAME_PATTERN.test(opts.name)) throw new InvalidInputError(`--name: use letters, digits, '.', '_' and '-' only, got "${opts.name}"`);
        await writeStarterLoopConfig({ file, name: opts.name, runConfig: opts.runConfig, force: opts.force });
        say(`wrote ${file}; edit the paths, then: facial-r1 loop validate ${file}`);
        return 0;
      }),
    );
}
