import type { Command } from "commander";
import type { Counts, ValidationReport } from "../index.js";
import { InvalidInputError, type Problem } from "../util/errors.js";
import { action, printJson, say, sayProblem } from "./io.js";

/** Problems printed one per line before the rest are only counted. */
const PRINTED_PROBLEMS = 50;

export function registerValidationCommands(data: Command): void {
  data
    .command("validate")
    .description("Check JSONL sample files: schema, AU tokens, labels, duplicate ids and (with --images) every image")
    .argument("<files...>", "JSONL files")
    .option("--images <dir>", "image folder the records' image paths are relative to; checks every image")
    .option("--rejects <file>", "write each rejected line with its file, line and reasons (JSONL)")
    .option("--image-report <file>", "with --images: write format, width and height of every good image (JSONL)")
    .option("--strict", "exit 2 on any problem, warnings included")
    .option("--fix", "write X.fixed.jsonl next to each input: the valid records with AU spellings and label synonyms fixed")
    .option("--json", "print the report as JSON on stdout")
    .action(
      action(async (files: string[], opts: { images?: string; rejects?: string; imageReport?: string; strict?: boolean; fix?: boolean; json?: boolean }) => {
        const { validateDataset } = await import("../api/validate-dataset.js");
        const printer = problemPrinter();
        const report = await validateDataset({
          files,
          images: opts.images,
          rejects: opts.rejects,
          imageReport: opts.imageReport,
          strict: opts.strict,
          fix: opts.fix,
          onProblem: printer.print,
        });
        printer.finish();
        sayValidationSummary(report);
        if (opts.json) printJson(report);
        return report.exitCode;
      }),
    );

  data
    .command("stats")
    .description("Write the per-file AU / label frequency map the Facial-R1 trainer reads (open_r1/configs/config.json)")
    .argument("<files...>", "JSONL files")
    .option("--out <file>", "frequency map to write; merged into it when it exists (needed unless --json)")
    .option("--json", "print the frequency map of these files as JSON on stdout")
    .action(
      action(async (files: string[], opts: { out?: string; json?: boolean }) => {
        if (opts.out === undefined && !opts.json) throw new InvalidInputError("give --out FILE (the map to write) or --json (print it), or both");
        const { datasetStats, formatStatsTable } = await import("../api/dataset-stats.js");
        const printer = problemPrinter();
        const { files: stats, frequencies, merged } = await datasetStats({ files, out: opts.out, onProblem: printer.print });
        printer.finish();
        say(formatStatsTable(stats));
        const skipped = stats.reduce((n, s) => n + s.skipped, 0);
        const read = stats.reduce((n, s) => n + s.read, 0);
        const wrote = opts.out === undefined ? "" : `; wrote ${opts.out}${merged ? " (merged)" : ""}`;
        say(`read ${read} = counted ${read - skipped} + skipped ${skipped}${wrote}`);
        if (skipped > 0) say("skipped lines are not valid records; run `facial-r1 data validate` for details");
        if (opts.json) printJson(frequencies);
        return skipped > 0 ? 1 : 0;
      }),
    );
}

function problemPrinter(): { print: (p: Problem) => void; finish: () => void } {
  let count = 0;
  return {
    print: (p) => {
      if (++count <= PRINTED_PROBLEMS) sayProblem(p);
    },
    finish: () => {
      if (count > PRINTED_PROBLEMS) say(`... and ${count - PRINTED_PROBLEMS} more problems (see --rejects / --json for counts)`);
    },
  };
}

function countsLine(c: Counts): string {
  let line = `read ${c.read} = valid ${c.valid} + rejected ${c.rejected}`;
  if (c.warnings > 0) line += `; ${c.warnings} warning${c.warnings === 1 ? "" : "s"}`;
  if (c.fixed > 0) line += `; ${c.fixed} fixed`;
  return line;
}

function sayValidationSummary(report: ValidationReport): void {
  for (const f of report.files) {
    let line = `${f.file}: ${countsLine(f)}`;
    if (f.error !== undefined) line += ` (stopped: ${f.error})`;
    if (f.fixedPath !== undefined) line += `; wrote ${f.fixedPath}`;
    say(line);
  }
  if (report.files.length > 1) say(`total: ${countsLine(report.total)}`);
  const img = report.images;
  if (img) {
    const problems = Object.entries(img.problems).map(([k, n]) => `${k} ${n}`);
    const formats = Object.entries(img.formats).map(([k, n]) => `${k} ${n}`);
    let line = `images: ${img.checked} checked, ${img.ok} ok, ${img.failed} failed`;
    if (problems.length > 0) line += ` (${problems.join(", ")})`;
    if (formats.length > 0) line += `; ${formats.join(", ")}`;
    if (img.width && img.height) line += `; ${img.width.min}..${img.width.max} x ${img.height.min}..${img.height.max} px`;
    say(line);
  }
  if (report.rejectsPath !== undefined) say(`rejected lines written to ${report.rejectsPath}`);
  if (report.total.valid === 0) say("error: no valid record was read");
  if (report.imageReportPath !== undefined) say(`image formats and dimensions written to ${report.imageReportPath}`);
}
