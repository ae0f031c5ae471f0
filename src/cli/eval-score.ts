import { Option, type Command } from "commander";
import type { Problem } from "../index.js";
import { action, printJson, say, sayProblem } from "./io.js";

const MAX_PROBLEMS_SHOWN = 20;

export function registerEvalScoreCommands(evalCommand: Command): void {
  evalCommand
    .command("score")
    .description("Exact metrics of predictions against a dataset: emotion accuracy, AU F1, ROUGE, REGE")
    .requiredOption("--dataset <file>", "dataset JSONL (id, AUs, labels, description, dataset)")
    .requiredOption("--predictions <file>", 'predictions JSONL ({"id", "output"})')
    .addOption(new Option("--protocol <name>", "evaluation protocol").choices(["facial-r1", "standard"]).default("facial-r1"))
    .option("--benchmark <name>", "benchmark lists for every record: disfa, bp4d, faba, fer2013, rafdb, affectnet")
    .option("--rege", "also compute REGE (default: on for FABA)")
    .option("--no-rege", "do not compute REGE")
    .option("--judgements <file>", "judge JSONL ({id, score, reason, error?}) to fold in")
    .option("--json", "print the result as JSON on stdout")
    .action(
      action(async (opts: { dataset: string; predictions: string; protocol: "facial-r1" | "standard"; benchmark?: string; rege?: boolean; judgements?: string; json?: boolean }) => {
        const { formatScoreReport, scoreEvaluation } = await import("../api/evaluation.js");
        let problems = 0;
        const onProblem = (problem: Problem): void => {
          if (++problems <= MAX_PROBLEMS_SHOWN) sayProblem({ severity: "warning", ...problem });
        };
        const report = await scoreEvaluation({
          dataset: opts.dataset,
          predictions: opts.predictions,
          protocol: opts.protocol,
          benchmark: opts.benchmark,
          rege: opts.rege,
          judgements: opts.judgements,
          onProblem,
        });
        if (problems > MAX_PROBLEMS_SHOWN) say(`... and ${problems - MAX_PROBLEMS_SHOWN} more problems`);
        say(formatScoreReport(report));
        if (opts.json) printJson(report);
        const c = report.counts;
        const rejected = c.dataset_rejected + c.dataset_duplicate_ids + c.predictions_rejected + c.predictions_unknown_id + c.predictions_duplicate_id;
        return rejected > 0 ? 1 : 0;
      }),
    );
  registerEvalReportCommand(evalCommand);
}

export function registerEvalReportCommand(evalCommand: Command): void {
  evalCommand
    .command("report")
    .description("Report of eval score results: JSON, Markdown and an HTML page with charts, beside the paper's numbers")
    .argument("<results...>", "result files written by eval score --json")
    .requiredOption("--out <dir>", "output folder")
    .option("--json", "print the written file paths as JSON on stdout")
    .action(
      action(async (results: string[], opts: { out: string; json?: boolean }) => {
        const { writeEvalReport } = await import("../api/evaluation.js");
        const files = await writeEvalReport({ results, outDir: opts.out });
        say(`wrote ${files.html}, ${files.markdown}, ${files.json} and ${files.svgs.length} SVG charts`);
        if (opts.json) printJson(files);
      }),
    );
}
