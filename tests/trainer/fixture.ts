import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePng } from "../../src/util/png.js";

/** A record in the FEA format. */
export function record(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const aus = [["AU1", "AU4", "AU15"], ["AU6", "AU12"], [], ["AU1", "AU2", "AU5", "AU26"]][i % 4];
  const labels = [["sadness"], ["happiness"], ["neutral"], ["surprise"]][i % 4];
  return {
    id: `r-${i}`,
    dataset: "test",
    image: `img-${i}.png`,
    question: "What emotion does this face show?",
    AUs: aus,
    labels,
    description: `The face shows ${aus.join(" and ") || "no action unit"}, so the emotion is ${labels[0]}.`,
    meta_info: { n: i },
    ...overrides,
  };
}

export function png(width: number, height: number): Buffer {
  return encodePng(width, height, new Uint8Array(width * height).fill(128));
}

/** Writes `file` with `count` records and their images (84x56 PNGs) under `images`. */
export async function writeDataset(params: { dir: string; file: string; images: string; count: number; skipImages?: number[]; overrides?: (i: number) => Record<string, unknown> }): Promise<void> {
  const imageDir = join(params.dir, params.images);
  await mkdir(imageDir, { recursive: true });
  const lines: string[] = [];
  const image = png(84, 56);
  for (let i = 0; i < params.count; i++) {
    lines.push(JSON.stringify(record(i, params.overrides?.(i) ?? {})));
    if (!params.skipImages?.includes(i)) await writeFile(join(imageDir, `img-${i}.png`), image);
  }
  await mkdir(join(params.dir, params.file, ".."), { recursive: true });
  await writeFile(join(params.dir, params.file), `${lines.join("\n")}\n`);
}

/** Writes a word-level tokenizer (lower-cased, split on white space; `words` its vocabulary) as the model folder `models/Qwen2.5-VL-7B-tiny` under `dir`. */
export async function writeTinyTokenizer(dir: string, words: string): Promise<void> {
  const model = join(dir, "models", "Qwen2.5-VL-7B-tiny");
  await mkdir(model, { recursive: true });
  const vocab: Record<string, number> = { "[UNK]": 0 };
  words.split(" ").forEach((w, i) => (vocab[w] ??= i + 1));
  await writeFile(
    join(model, "tokenizer.json"),
    JSON.stringify({ version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: { type: "Lowercase" }, pre_tokenizer: { type: "Whitespace" }, post_processor: null, decoder: null, model: { type: "WordLevel", vocab, unk_token: "[UNK]" } }),
  );
  await writeFile(join(model, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "PreTrainedTokenizerFast" }));
}

/** A run config YAML for the test datasets; `extra` is appended verbatim. */
export function configYaml(params: { stage?: string; target?: string; dropEmptyAus?: boolean; datasets?: { file: string; images: string }[]; model?: string; extra?: string }): string {
  const datasets = params.datasets ?? [{ file: "data/train.jsonl", images: "images" }];
  return [
    "name: test-run",
    `stage: ${params.stage ?? "grpo"}`,
    "model:",
    `  path: ${JSON.stringify(params.model ?? "/models/Qwen2.5-VL-7B-Instruct")}`,
    "trainer:",
    `  target: ${params.target ?? "facial-r1"}`,
    ...(params.dropEmptyAus ? ["  drop_empty_aus: true"] : []),
    "datasets:",
    ...datasets.map((d) => `  - file: ${JSON.stringify(d.file)}\n    images: ${JSON.stringify(d.images)}`),
    params.extra ?? "",
  ].join("\n");
}
