import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { testImageBytes } from "../servers/openai-stand-in.js";

const LABELS = ["happiness", "sadness", "anger", "surprise"];
const AU_SETS = [["AU6", "AU12"], ["AU1", "AU4", "AU15"], ["AU4", "AU5", "AU7", "AU23"], ["AU1", "AU2", "AU26"]];

export function synthId(i: number): string {
  return `syn-${String(i).padStart(5, "0")}`;
}

export function synthRecord(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: synthId(i),
    dataset: "rafdb",
    image: `img/${synthId(i)}.png`,
    question: "What emotion does this face show?",
    AUs: AU_SETS[i % AU_SETS.length],
    labels: [LABELS[i % LABELS.length]],
    description: `Source description ${i}.`,
    meta_info: { source: "fixture", row: i },
    ...overrides,
  };
}

/** A dataset of the given records (default: `n` plain ones) and a small PNG per record carrying its id. */
export async function writeSynthFixture(
  dir: string,
  n: number,
  overrides: (i: number) => Record<string, unknown> = () => ({}),
): Promise<{ dataset: string; images: string; out: string }> {
  const images = join(dir, "images");
  await mkdir(join(images, "img"), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify(synthRecord(i, overrides(i))));
    await writeFile(join(images, "img", `${synthId(i)}.png`), testImageBytes(synthId(i)));
  }
  const dataset = join(dir, "train.jsonl");
  await writeFile(dataset, `${lines.join("\n")}\n`);
  return { dataset, images, out: join(dir, "synth.jsonl") };
}

export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function synthArgs(p: { dataset: string; images: string; out: string; url: string }, extra: string[] = []): string[] {
  return ["synth", "--dataset", p.dataset, "--images", p.images, "--endpoint", p.url, "--model", "stand-in", "--out", p.out, ...extra];
}

export interface SynthMeta {
  model: string;
  attempts: number;
  problems: string[];
  prompt_version: string;
  prompt_variant: string;
  output: string;
  kept_output_problems?: string[];
  source_description?: string;
}

export function synthMeta(record: Record<string, unknown>): SynthMeta {
  return (record.meta_info as { synth: SynthMeta }).synth;
}
