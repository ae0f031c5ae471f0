import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { testImageBytes } from "../servers/openai-stand-in.js";

const LABELS = ["happiness", "sadness", "anger", "surprise"];

export function recordId(i: number): string {
  return `rec-${String(i).padStart(5, "0")}`;
}

export function sampleRecord(i: number): Record<string, unknown> {
  return {
    id: recordId(i),
    dataset: "test",
    image: `img/${recordId(i)}.png`,
    question: "What emotion does this face show?",
    AUs: ["AU1", "AU4"],
    labels: [LABELS[i % LABELS.length]],
    description: `Reference description ${i}: the inner brows are raised (AU1).`,
  };
}

/** A dataset of `n` records and one small PNG per record (carrying its id for the stand-in). */
export async function writeInferFixture(dir: string, n: number): Promise<{ dataset: string; images: string }> {
  const images = join(dir, "images");
  await mkdir(join(images, "img"), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify(sampleRecord(i)));
    await writeFile(join(images, "img", `${recordId(i)}.png`), testImageBytes(recordId(i)));
  }
  const dataset = join(dir, "test.jsonl");
  await writeFile(dataset, `${lines.join("\n")}\n`);
  return { dataset, images };
}

export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
