import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.js";
import type { ConvertSummary } from "../../src/data/convert/index.js";

/** Writes a file, creating its folder. */
export async function put(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** A small real image (JPEG by default) for fixtures, made with sharp. */
export async function imageBytes(width = 16, height = 12, format: "jpeg" | "png" = "jpeg"): Promise<Buffer> {
  const { default: sharp } = await import("sharp");
  const image = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } });
  return format === "jpeg" ? image.jpeg().toBuffer() : image.png().toBuffer();
}

export async function readJsonlFile<T = Record<string, unknown>>(path: string): Promise<T[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** Runs `data convert ... --json` and returns the summary with the process result. */
export async function convert(args: string[]): Promise<{ result: CliResult; summary?: ConvertSummary }> {
  const result = await runCli(["data", "convert", ...args, "--json"]);
  const summary = result.stdout.trim() ? (JSON.parse(result.stdout) as ConvertSummary) : undefined;
  return { result, summary };
}

export function assertCountsAddUp(summary: ConvertSummary): void {
  assert.equal(summary.read, summary.converted + summary.rejected + summary.dropped, "read = converted + rejected + dropped");
}

/** Every converted record must pass `facial-r1 data validate`, images included. */
export async function assertValid(file: string, imagesDir: string, expectedRecords: number): Promise<void> {
  const result = await runCli(["data", "validate", file, "--images", imagesDir, "--json"]);
  assert.equal(result.code, 0, `data validate failed:\n${result.stderr}`);
  const report = JSON.parse(result.stdout) as { total: { valid: number; rejected: number }; images?: { ok: number; failed: number } };
  assert.equal(report.total.valid, expectedRecords);
  assert.equal(report.total.rejected, 0);
  assert.equal(report.images?.failed, 0);
  assert.equal(report.images?.ok, expectedRecords);
}
