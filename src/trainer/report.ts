import type { PlanResult } from "./bundle/plan.js";
import type { PreflightReport } from "./preflight.js";

/** The preflight summary for humans (findings themselves are printed as they are found). */
export function summaryLines(report: PreflightReport): string[] {
  const a = report.arithmetic;
  const lines: string[] = [];
  for (const f of report.files) {
    lines.push(
      `${f.role} ${f.file}: ${f.read} read = ${f.valid} valid + ${f.rejected} rejected; ${f.markedInvalid} is_valid=false; ${f.selected} selected; ` +
        `${f.imagesChecked} images checked (${f.imageProblems} with problems); prompt tokens max ${f.promptTokens.max}, mean ${f.promptTokens.mean}`,
    );
  }
  lines.push(`tokens: ${report.tokens.detail}`);
  lines.push(
    `plan: world size ${a.worldSize} (${a.nodes} x ${a.gpusPerNode}), global batch ${a.globalBatch}` +
      (a.promptsPerStep !== undefined ? ` completions = ${a.promptsPerStep} prompts` : " samples") +
      ` per step, ${a.stepsPerEpoch} steps/epoch, ${a.optimizerSteps} optimizer steps, ${a.samplesSeen} samples` +
      (a.completionsGenerated !== undefined ? `, ${a.completionsGenerated} completions generated` : "") +
      `; ≈ ${a.estimatedGpuHours} GPU-hours (${a.estimatedWallHours} h wall) at ${a.throughputPerGpu} ${a.throughputUnit} per GPU`,
  );
  if (report.memory) lines.push(`memory: ${report.memory.verdict}: ${report.memory.explanation}`);
  if (report.suppressed > 0) lines.push(`(${report.suppressed} more findings of the same kinds not listed)`);
  lines.push(`preflight: ${report.ok ? "passed" : "FAILED"}: ${report.errors} error(s), ${report.warnings} warning(s)`);
  return lines;
}

/** What plan did, for humans: the preflight summary, then each data file written and the bundle, or why nothing was written. */
export function planLines(result: PlanResult): string[] {
  const lines = summaryLines(result.preflight);
  if (!result.written) return [...lines, `nothing written: fix the ${result.preflight.errors} error(s) above`];
  for (const s of result.shards) {
    const dropped = s.counts.droppedEmptyAus > 0 ? `, ${s.counts.droppedEmptyAus} with "AUs": [] left out` : "";
    lines.push(`${s.file}: ${s.counts.written} records written (${s.counts.read} read, ${s.counts.markedInvalid} is_valid=false left out${dropped}, ${s.counts.notSelected} not sampled)`);
  }
  lines.push(`bundle written: ${result.out} (run ${result.manifest?.scripts.train}, then eval.sh)`);
  return lines;
}

/** A preflight report as plain JSON: everything but the per-file selections, which stay internal. */
export type PreflightReportJson = Omit<PreflightReport, "selections">;

/** The report as plain JSON (the per-file selections stay internal). */
export function reportJson(report: PreflightReport): PreflightReportJson {
  const { selections: _selections, ...rest } = report;
  return rest;
}
