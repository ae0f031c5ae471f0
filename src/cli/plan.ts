import { Option, type Command } from "commander";
import { invalidInput } from "../util/errors.js";
import { pathExists, writeFileAtomic } from "../util/fs.js";
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
        const { parseRunConfigFile } = await import("../trainer/config-file.js");
        const { configFindings } = await import("../trainer/preflight.js");
        const result = await parseRunConfigFile(file);
        const problems = result.ok ? configFindings(result.loaded) : result.problems;
        const errors = problems.filter((p) => p.severity !== "warning");
        if (opts.json) printJson({ ok: errors.length === 0, problems });
        for (const p of problems) sayProblem(p);
        if (!result.ok || errors.length > 0) {
          say(`${file}: ${errors.length} error(s); data and images are checked by facial-r1 preflight`);
          return 2;
        }
        const c = result.loaded.config;
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
        const { starterConfig } = await import("../trainer/starter.js");
        if (!opts.force && (await pathExists(file))) throw invalidInput("exists; use --force to overwrite", { file });
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.name)) throw invalidInput(`--name: use letters, digits, '.', '_' and '-' only, got "${opts.name}"`);
        await writeFileAtomic(file, starterConfig({ name: opts.name, stage: opts.stage }));
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
        const { loadRunConfig } = await import("../trainer/config-file.js");
        const { preflight } = await import("../trainer/preflight.js");
        const { summaryLines, reportJson } = await import("../trainer/report.js");
        const loaded = await loadRunConfig(file);
        const report = await preflight({ loaded, checkImages: opts.imageCheck, onProblem: sayProblem });
        for (const line of summaryLines(report)) say(line);
        if (opts.json) printJson(reportJson(report));
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
        const { planRun } = await import("../trainer/bundle/plan.js");
        const { summaryLines, reportJson } = await import("../trainer/report.js");
        const result = await planRun({ config: file, out: opts.out, checkImages: opts.imageCheck, dropEmptyAus: opts.dropEmptyAus, onProblem: sayProblem });
        for (const line of summaryLines(result.preflight)) say(line);
        if (!result.written) {
          say(`nothing written: fix the ${result.preflight.errors} error(s) above`);
          if (opts.json) printJson({ written: false, preflight: reportJson(result.preflight) });
          return 2;
        }
        for (const s of result.shards) {
          const dropped = s.counts.droppedEmptyAus > 0 ? `, ${s.counts.droppedEmptyAus} with "AUs": [] left out` : "";
          say(`${s.file}: ${s.counts.written} records written (${s.counts.read} read, ${s.counts.markedInvalid} is_valid=false left out${dropped}, ${s.counts.notSelected} not sampled)`);
        }
        say(`bundle written: ${result.out} (run ${result.manifest?.scripts.train}, then eval.sh)`);
        if (opts.json) printJson({ written: true, out: result.out, manifest: result.manifest, preflight: reportJson(result.preflight) });
        return 0;
      }),
    );
}
