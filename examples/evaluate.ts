/**
 * Score a model's predictions on a test file and write the report, from TypeScript: what
 * `facial-r1 eval score --json` and `facial-r1 eval report` do.
 *
 *   npx tsx examples/evaluate.ts samples/fea-sample/test.jsonl predictions.jsonl report/
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { scoreEvaluation, writeEvalReport } from "facial-r1";

const [dataset, predictions, outDir] = process.argv.slice(2);
if (!dataset || !predictions || !outDir) throw new Error("usage: evaluate.ts DATASET PREDICTIONS OUT_DIR");

let problems = 0;
const report = await scoreEvaluation({ dataset, predictions, protocol: "facial-r1", onProblem: () => problems++ });
const result = join(outDir, "scores.json");
await writeFile(result, `${JSON.stringify(report, null, 2)}\n`);
const files = await writeEvalReport({ results: [result], outDir });
console.log(
  JSON.stringify({
    accuracy: report.emotion?.accuracy,
    au_macro_f1: report.au?.macro_f1,
    rougeL: report.rouge?.rougeL,
    problems,
    report: files.html,
  }),
);
