import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { errorMessage, invalidInput, unreadableReason } from "../util/errors.js";
import { PAPER_AU_BENCHMARKS, PAPER_EMOTION_BENCHMARKS, PAPER_ROWS } from "../eval/paper-numbers.js";
import { PAPER_CITATION, PAPER_TITLE, markdownTable, renderCard } from "./card.js";

/** The numbers of one `eval score --json` result (src/eval/score.ts ScoreReport) a card shows. */
export interface EvalResult {
  file: string;
  /** Benchmark name: the report's `benchmark`, else the file name. */
  dataset: string;
  protocol: string | null;
  emotionAccuracy: number | null;
  auMacroF1: number | null;
  rougeL: number | null;
  judgeMean: number | null;
}

function numberAt(value: unknown, ...path: string[]): number | null {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return null;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "number" && Number.isFinite(current) ? current : null;
}

/** Reads an `eval score --json` result file; a file with none of the card's metrics is refused. */
export async function readEvalResult(file: string): Promise<EvalResult> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalidInput(code ? unreadableReason(err) : `not valid JSON (${errorMessage(err)})`, { file });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalidInput("not an `eval score --json` result (expected an object)", { file });
  const report = value as Record<string, unknown>;
  const result: EvalResult = {
    file,
    dataset: typeof report.benchmark === "string" && report.benchmark ? report.benchmark : basename(file).replace(/\.json$/i, ""),
    protocol: typeof report.protocol === "string" ? report.protocol : null,
    emotionAccuracy: numberAt(report, "emotion", "accuracy"),
    auMacroF1: numberAt(report, "au", "macro_f1"),
    rougeL: numberAt(report, "rouge", "rougeL"),
    judgeMean: numberAt(report, "judge", "mean"),
  };
  if (result.emotionAccuracy === null && result.auMacroF1 === null && result.rougeL === null && result.judgeMean === null) {
    throw invalidInput("no emotion.accuracy, au.macro_f1, rouge.rougeL or judge.mean: not an `eval score --json` result", { file });
  }
  return result;
}

export interface ModelCardParams {
  repo: string;
  /** The Hub id of the model it was fine-tuned from; left out of the card when unknown. */
  baseModel?: string;
  license?: string;
  datasets?: string[];
  results: EvalResult[];
  /** Repository paths of the uploaded files, for the file list. */
  files: string[];
}

interface Metric {
  type: string;
  name: string;
  value: number;
}

function metricsOf(r: EvalResult): Metric[] {
  const out: Metric[] = [];
  if (r.emotionAccuracy !== null) out.push({ type: "accuracy", name: "Emotion accuracy", value: r.emotionAccuracy });
  if (r.auMacroF1 !== null) out.push({ type: "f1", name: "AU macro F1", value: r.auMacroF1 });
  if (r.rougeL !== null) out.push({ type: "rougeL", name: "ROUGE-L", value: r.rougeL });
  if (r.judgeMean !== null) out.push({ type: "gpt-4o-mini-judge", name: "Judge mean (1-10)", value: r.judgeMean });
  return out;
}

/**
 * README.md of a model repository: front matter with `base_model`, `library_name`,
 * `pipeline_tag`, tags and a `model-index` holding the eval results exactly as the result
 * files give them (fractions; the judge on its 1..10 scale), plus a table of the same
 * numbers in percent beside the paper's.
 */
export async function renderModelCard(params: ModelCardParams): Promise<string> {
  const name = params.repo.split("/")[1];
  const frontMatter: Record<string, unknown> = {
    ...(params.baseModel ? { base_model: params.baseModel } : {}),
    library_name: "transformers",
    pipeline_tag: "image-text-to-text",
    ...(params.license ? { license: params.license } : {}),
    ...(params.datasets && params.datasets.length > 0 ? { datasets: params.datasets } : {}),
    tags: ["facial-r1", "facial-expression-recognition", "action-units", "emotion-recognition", "grpo", "reasoning"],
    ...(params.results.length > 0
      ? {
          "model-index": [
            {
              name,
              results: params.results.map((r) => ({
                task: { type: "image-text-to-text", name: "Facial emotion analysis" },
                dataset: { name: r.dataset, type: r.dataset },
                metrics: metricsOf(r),
              })),
            },
          ],
        }
      : {}),
  };
  return renderCard(frontMatter, body(params, name));
}

function body(params: ModelCardParams, name: string): string {
  const parts: string[] = [];
  parts.push(`# ${name}`);
  const from = params.baseModel ? `[${params.baseModel}](https://huggingface.co/${params.baseModel})` : "a base model this card does not record";
  parts.push(
    `A vision-language model fine-tuned from ${from} for facial emotion analysis ` +
      "in the way of Facial-R1: it reasons about the facial Action Units it sees before naming the emotion, " +
      "trained with supervised fine-tuning and reinforcement learning with verifiable rewards on emotion and AU correctness.",
  );
  parts.push("## Evaluation");
  if (params.results.length === 0) {
    parts.push("No evaluation results were given (`facial-r1 hub push-model --eval RESULT.json`).");
  } else {
    parts.push(
      "Scores from `facial-r1 eval score` in percent (the judge on its 1..10 scale), beside the numbers the Facial-R1 paper reports for the same benchmark where it reports one.",
    );
    const paper = PAPER_ROWS[0];
    const rows: (string | number)[][] = [];
    for (const r of params.results) {
      const key = r.dataset.toLowerCase().replace(/[^a-z0-9]/g, "");
      const paperEmotion = (PAPER_EMOTION_BENCHMARKS as readonly string[]).includes(key) ? paper.accuracy[key as keyof typeof paper.accuracy] : undefined;
      const paperAu = (PAPER_AU_BENCHMARKS as readonly string[]).includes(key) ? paper.auF1[key as keyof typeof paper.auF1] : undefined;
      const fea = key.startsWith("fea");
      const pct = (x: number) => (x * 100).toFixed(1);
      const show = (x: number | undefined) => (x === undefined ? "–" : String(x));
      if (r.emotionAccuracy !== null) rows.push([r.dataset, "Emotion accuracy (%)", pct(r.emotionAccuracy), show(paperEmotion)]);
      if (r.auMacroF1 !== null) rows.push([r.dataset, "AU macro F1 (%)", pct(r.auMacroF1), show(paperAu)]);
      if (r.rougeL !== null) rows.push([r.dataset, "ROUGE-L (%)", pct(r.rougeL), show(fea ? paper.rougeL : undefined)]);
      if (r.judgeMean !== null) rows.push([r.dataset, "Judge mean (1..10)", r.judgeMean.toFixed(2), show(fea ? paper.gptScore : undefined)]);
    }
    parts.push(markdownTable(["benchmark", "metric", "this model", paper.model], rows));
  }
  parts.push("## Files");
  parts.push(params.files.filter((f) => f !== "README.md").map((f) => `- \`${f}\``).join("\n") || "(none)");
  parts.push("## Citation");
  parts.push(`*${PAPER_TITLE}* (AAAI 2026):`);
  parts.push(PAPER_CITATION);
  return parts.join("\n\n");
}
