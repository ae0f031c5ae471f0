import { basename } from "node:path";
import { formatBytes } from "../util/bytes.js";
import type { FileStats } from "../data/stats.js";
import { compareAuTokens } from "../taxonomy/action-units.js";
import { PAPER_CITATION, PAPER_TITLE, markdownTable, renderCard } from "./card.js";

export interface DatasetSplitFile {
  split: string;
  /** Path inside the repository. */
  path: string;
  stats: FileStats;
}

export interface DatasetCardParams {
  repo: string;
  splits: DatasetSplitFile[];
  /** jsonl: `data/*.jsonl` and `images/`; imagefolder: `<split>/metadata.jsonl` beside the split's images. */
  layout?: "jsonl" | "imagefolder";
  license?: string;
  /** Images uploaded under `images/` (0 without --images). */
  images: number;
  imageBytes: number;
  /** Records rejected by validation but pushed anyway (--allow-invalid). */
  invalidRecords: number;
}

const SIZE_CATEGORIES: [number, string][] = [
  [1e3, "n<1K"],
  [1e4, "1K<n<10K"],
  [1e5, "10K<n<100K"],
  [1e6, "100K<n<1M"],
  [1e7, "1M<n<10M"],
  [1e8, "10M<n<100M"],
  [1e9, "100M<n<1B"],
];

/** The Hub's size category for a record count. */
export function sizeCategory(records: number): string {
  for (const [limit, name] of SIZE_CATEGORIES) if (records < limit) return name;
  return "n>1T";
}

/** Splits in the order the Hub lists them: train, validation, test, then the rest alphabetically. */
export function splitOrder(a: string, b: string): number {
  const rank = (s: string) => ({ train: 0, validation: 1, test: 2 })[s] ?? 3;
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * README.md of a dataset repository: front matter the Hub reads (license, task, size,
 * `configs` with the data files of each split, so the viewer loads the splits) and a body
 * with the record counts, label and AU frequencies per file, the record schema and the citation.
 */
export async function renderDatasetCard(params: DatasetCardParams): Promise<string> {
  const splitNames = [...new Set(params.splits.map((s) => s.split))].sort(splitOrder);
  const records = params.splits.reduce((n, s) => n + s.stats.records, 0);
  const frontMatter: Record<string, unknown> = {
    ...(params.license ? { license: params.license } : {}),
    task_categories: ["image-text-to-text", "image-classification"],
    language: ["en"],
    tags: ["facial-expression-recognition", "action-units", "emotion-recognition", "facial-r1"],
    size_categories: [sizeCategory(records)],
    pretty_name: params.repo.split("/")[1],
    configs: [
      {
        config_name: "default",
        data_files: splitNames.map((split) => {
          if (params.layout === "imagefolder") return { split, path: `${split}/**` };
          const paths = params.splits.filter((s) => s.split === split).map((s) => s.path);
          return { split, path: paths.length === 1 ? paths[0] : paths };
        }),
      },
    ],
  };
  return renderCard(frontMatter, await body(params, splitNames, records));
}

const JSONL_LAYOUT =
  "JSONL: each split is one file under `data/`, one record per line, exactly as `facial-r1 data validate` checks it; " +
  "the dataset viewer shows the records' fields, with the image as its path.";

const IMAGEFOLDER_LAYOUT = (images: number, bytes: string): string =>
  `Image folder (pushed with \`--layout imagefolder\`): each split is a folder \`<split>/\` holding its images at the records' own ` +
  `relative paths and a \`metadata.jsonl\` with one row per record. \`file_name\` names the record's (first) image relative to that folder, ` +
  "so `datasets.load_dataset` and the Hub's viewer decode it into an `image` column and show the face; `image_paths` lists every image of " +
  "the record, `meta_info` is kept as a JSON string, and a missing description is null. " +
  `${images} image files (${bytes}).`;

async function body(params: DatasetCardParams, splitNames: string[], records: number): Promise<string> {
  const ordered = [...params.splits].sort((a, b) => splitOrder(a.split, b.split));
  const parts: string[] = [];
  parts.push(`# ${params.repo.split("/")[1]}`);
  parts.push(
    `Facial emotion analysis samples in the Facial-R1 (FEA) JSONL format: each record pairs a face image with a question, ` +
      `the active facial Action Units, the emotion label(s) and, where present, a reference description of the reasoning. ` +
      `${records} records in ${splitNames.length} split${splitNames.length === 1 ? "" : "s"}.`,
  );
  parts.push("## Splits");
  parts.push(
    markdownTable(
      ["split", "file", "records", "invalid lines"],
      ordered.map((s) => [s.split, `\`${s.path}\``, s.stats.records, s.stats.skipped]),
    ),
  );
  if (params.invalidRecords > 0) {
    parts.push(`Note: ${params.invalidRecords} lines failed validation (\`facial-r1 data validate\`) and were pushed as they are; they are not counted above.`);
  }
  parts.push("## Layout");
  parts.push(params.layout === "imagefolder" ? IMAGEFOLDER_LAYOUT(params.images, formatBytes(params.imageBytes)) : JSONL_LAYOUT);
  parts.push(
    params.layout === "imagefolder"
      ? "Each row of a split's `metadata.jsonl` is one record (schema below) with `file_name` in place of `image`."
      : params.images > 0
      ? `Images: ${params.images} files (${formatBytes(params.imageBytes)}) under \`images/\`; the records' \`image\` paths are relative to that folder.`
      : "Images are not part of this repository; the records' `image` paths are relative to the image folder of the source dataset.",
  );
  const columns = ordered.map((s) => `${s.split}: ${basename(s.path)}`);
  const labels = [...new Set(ordered.flatMap((s) => Object.keys(s.stats.emotions)))].sort();
  const aus = [...new Set(ordered.flatMap((s) => Object.keys(s.stats.AUs)))].sort(compareAuTokens);
  const share = (x: number | undefined) => (x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
  parts.push("## Emotion labels");
  parts.push("Share of the records carrying each label (a record with several labels counts once for each).");
  parts.push(labels.length > 0 ? markdownTable(["label", ...columns], labels.map((l) => [l, ...ordered.map((s) => share(s.stats.emotions[l]))])) : "No labels.");
  parts.push("## Action Units");
  parts.push("Share of the records in which each Action Unit is active.");
  parts.push(aus.length > 0 ? markdownTable(["AU", ...columns], aus.map((a) => [a, ...ordered.map((s) => share(s.stats.AUs[a]))])) : "No Action Units.");
  parts.push("## Record schema");
  parts.push("One JSON object per line:");
  parts.push(markdownTable(["field", "type", "required", "meaning"], await schemaRows()));
  parts.push(
    "```json\n" +
      JSON.stringify({ id: "rafdb-00001", dataset: "rafdb", image: "rafdb/00001.png", question: "What emotion does this face show?", AUs: ["AU6", "AU12"], labels: ["happiness"], description: "The cheeks are raised and the lip corners pulled up ...", meta_info: { source_row: 1 } }) +
      "\n```",
  );
  parts.push("## Citation");
  parts.push(`Prepared for training and evaluating models in the way of *${PAPER_TITLE}* (AAAI 2026):`);
  parts.push(PAPER_CITATION);
  return parts.join("\n\n");
}

interface JsonSchemaNode {
  type?: string;
  anyOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  description?: string;
}

/** One row per field of the sample schema (src/schema/sample.ts), from its JSON Schema. */
async function schemaRows(): Promise<string[][]> {
  const { z } = await import("zod");
  const { SampleSchema } = await import("../schema/sample.js");
  const schema = z.toJSONSchema(SampleSchema) as { properties: Record<string, JsonSchemaNode>; required?: string[] };
  const typeName = (node: JsonSchemaNode): string =>
    node.anyOf ? node.anyOf.map(typeName).join(" or ") : node.type === "array" ? `list of ${node.items ? typeName(node.items) : "values"}` : (node.type ?? "any");
  return Object.entries(schema.properties).map(([field, node]) => [field, typeName(node), schema.required?.includes(field) ? "yes" : "no", node.description ?? ""]);
}
