import { Option, type Command } from "commander";
import { InvalidInputError } from "../util/errors.js";
import { action, printJson, say, sayProblem } from "./io.js";

interface ValidateOptions {
  json?: boolean;
}
interface InitOptions {
  stage: "sft" | "grpo" | "grpo-task";
  name: string;
  force?: boolean;
}
interface PlanOptions {
  out: string;
  imageCheck: boolean;
  dropEmptyAus?: boolean;
  json?: boolean;
}
interface PreflightOptions {
  imageCheck: boolean;
  json?: boolean;
}

export function registerPlanCommands(program: Command): void {
  const config = program.command("config").description("Run configs: validate a YAML run config, write an annotated starter");

  config
    .command("validate")
    .description("Check a run config (schema, batch arithmetic, model name, trainer flags); problems are reported as file:line:column: setting: message")
    .argument("<file>", "run config YAML")
    .option("--json", "print {ok, problems} as JSON on stdout")
    .action(
      action(async (file: string, opts: ValidateOptions) => {
        const { validateRunConfig } = await import("../api/run-config.js");
        const { ok, problems, config: c } = await validateRunConfig({ file });
        if (opts.json) printJson({ ok, problems });
        for (const p of problems) sayProblem(p);
        if (!ok || !c) {
          say(`${file}: ${problems.filter((p) => p.severity !== "warning").length} error(s); data and images are checked by facial-r1 preflight`);
          return 2;
        }
        say(`${file}: valid (${c.name}: stage ${c.stage}, trainer ${c.trainer.target}, ${c.datasets.length} data file(s), ${c.hardware.nodes} x ${c.hardware.profile})`);
        return 0;
      }),
    );

  config
    .command("init")
    .description("Write an annotated starter run config with the paper's defaults")
    .argument("[file]", "where to write it", "facial-r1.yaml")
    .addOption(new Option("--stage <stage>", "stage of the run").choices(["sft", "grpo", "grpo-task"]).default("grpo"))
    .option("--name <name>", "run name", "facial-r1-run")
    .option("--force", "overwrite an existing file")
    .action(
      action(async (file: string, opts: InitOptions) => {
        const { RUN_NAME_PATTERN } = await import("../schema/run-config.js");
        const { writeStarterRunConfig } = await import("../api/starter-configs.js");
        if (!RUN_NAME_PATTERN.test(opts.name)) throw new InvalidInputError(`--name: use letters, digits, '.', '_' and '-' only, got "${opts.name}"`);
        await writeStarterRunConfig({ file, name: opts.name, stage: opts.stage, force: opts.force });
        say(`wrote ${file}; edit the paths, then: facial-r1 config validate ${file}`);
        return 0;
      }),
    );

  program
    .command("preflight")
    .description("Check a run before any GPU is spent: data, images, batch arithmetic, flags, tokens, GPU memory")
    .argument("<config>", "run config YAML")
    .option("--no-image-check", "skip opening every image (sizes, and so image tokens, are then unknown)")
    .option("--json", "print the report as JSON on stdout")
    .action(
      action(async (file: string, opts: PreflightOptions) => {
        const { describePreflight, preflightReportJson, preflightRun } = await import("../api/plan-run.js");
        const report = await preflightRun({ config: file, checkImages: opts.imageCheck, onProblem: sayProblem });
        say(describePreflight(report));
        if (opts.json) printJson(preflightReportJson(report));
        return report.ok ? 0 : 2;
      }),
    );

  program
    .command("plan")
    .description("Write a self-contained run bundle (scripts, DeepSpeed/accelerate configs, reward plugin, shards, manifest) after preflight passes")
    .argument("<config>", "run config YAML")
    .requiredOption("--out <dir>", "bundle directory (an earlier bundle there is replaced)")
    .option("--no-image-check", "skip opening every image")
    .option("--drop-empty-aus", 'facial-r1 target, GRPO: leave out records with "AUs": [] (the fork cannot train on them); the count is reported')
    .option("--json", "print the manifest summary as JSON on stdout")
    .action(
      action(async (file: string, opts: PlanOptions) => {
        const { describePlan, planRun, preflightReportJson } = await import("../api/plan-run.js");
        const result = await planRun({ config: file, out: opts.out, checkImages: opts.imageCheck, dropEmptyAus: opts.dropEmptyAus, onProblem: sayProblem });
        say(describePlan(result));
        const preflight = preflightReportJson(result.preflight);
        if (opts.json) printJson(result.written ? { written: true, out: result.out, manifest: result.manifest, preflight } : { written: false, preflight });
        return result.written ? 0 : 2;
      }),
    );
}
