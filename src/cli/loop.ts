import type { Command } from "commander";
import { invalidInput } from "../util/errors.js";
import { pathExists, writeFileAtomic } from "../util/fs.js";
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
        const { runLoop } = await import("../loop/run.js");
        const summary = await withInterrupt("interrupted: stopping after the requests in flight; run the same command again to continue (jobs keep running)", (signal) =>
          runLoop({ config: file, out: opts.out, retryFailed: opts.retryFailed, say, onProblem: sayProblem, signal }),
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
        const { parseLoopConfigFile } = await import("../loop/config-file.js");
        const result = await parseLoopConfigFile(file);
        const problems = result.ok ? [] : result.problems;
        if (opts.json) printJson({ ok: result.ok, problems });
        for (const p of problems) sayProblem(p);
        if (!result.ok) return 2;
        say(`${file}: valid (loop ${result.loaded.config.name}: up to ${result.loaded.config.stop.rounds} rounds, output ${result.loaded.out})`);
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
        const { starterLoopConfig } = await import("../loop/starter.js");
        if (!opts.force && (await pathExists(file))) throw invalidInput("exists; use --force to overwrite", { file });
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.name)) throw invalidInput(`--name: use letters, digits, '.', '_' and '-' only, got "${opts.name}"`);
        await writeFileAtomic(file, starterLoopConfig({ name: opts.name, runConfig: opts.runConfig }));
        say(`wrote ${file}; edit the paths, then: facial-r1 loop validate ${file}`);
        return 0;
      }),
    );
}
