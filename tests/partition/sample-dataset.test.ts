import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { inflateSync } from "node:zlib";
import { ROOT } from "../helpers/cli.js";
import { generateSampleDataset, IMAGE_SIZE } from "../../src/data/sample-dataset.js";
import { checkRecord } from "../../src/data/record-check.js";
import { PNG_SIGNATURE } from "../../src/util/png.js";
import type { Sample } from "../../src/schema/sample.js";

const SAMPLE_DIR = join(ROOT, "samples", "fea-sample");

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(relative(SAMPLE_DIR, path).split("\\").join("/"));
  }
  return out.sort();
}

const generated = generateSampleDataset();

/** IHDR plus inflated pixel rows: equal when two PNGs show the same image. */
function pngContent(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") parts.push(data);
    if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  return Buffer.concat([...parts, inflateSync(Buffer.concat(idat))]);
}

/**
 * Same bytes; for a PNG, deflate output may legitimately differ between zlib builds (Node
 * versions, CPU-specific code paths), so a PNG also passes when it decodes to the same image.
 */
function sameFile(path: string, a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  return path.endsWith(".png") && pngContent(a).equals(pngContent(b));
}

test("the checked-in sample is exactly what the generator makes (run scripts/generate-sample.ts after changing it)", async () => {
  assert.deepEqual(await listFiles(SAMPLE_DIR), generated.map((f) => f.path));
  for (const file of generated) {
    const onDisk = await readFile(join(SAMPLE_DIR, ...file.path.split("/")));
    assert.ok(sameFile(file.path, onDisk, file.data), `${file.path} differs from the generator's output`);
  }
});

test("generating twice gives identical bytes", () => {
  const again = generateSampleDataset();
  assert.deepEqual(
    again.map((f) => f.path),
    generated.map((f) => f.path),
  );
  again.forEach((f, i) => assert.ok(f.data.equals(generated[i].data), f.path));
});

test("the sample stays small and every record is valid, consistent and has its image", () => {
  const bytes = generated.reduce((n, f) => n + f.data.length, 0);
  assert.ok(bytes < 300 * 1024, `${bytes} bytes`);
  const byPath = new Map(generated.map((f) => [f.path, f.data]));
  const records: Sample[] = [];
  for (const name of ["train.jsonl", "test.jsonl"]) {
    const lines = byPath.get(name)!.toString("utf8").split("\n").filter(Boolean);
    lines.forEach((line, i) => {
      const check = checkRecord(JSON.parse(line), { file: name, line: i + 1 });
      assert.ok(check.ok && check.warnings.length === 0, `${name}:${i + 1}: ${JSON.stringify(check)}`);
      records.push(check.record);
    });
  }
  assert.ok(records.length >= 40 && records.length <= 60, `${records.length} records`);
  assert.equal(new Set(records.map((r) => r.id)).size, records.length);
  assert.ok(new Set(records.map((r) => r.dataset)).size >= 3);
  assert.ok(new Set(records.map((r) => r.labels[0])).size >= 6);
  for (const r of records) {
    if (r.labels[0] === "happiness") assert.ok(r.AUs.includes("AU6") && r.AUs.includes("AU12"), String(r.id));
    if (r.labels[0] === "sadness") assert.ok(r.AUs.includes("AU1") && r.AUs.includes("AU15"), String(r.id));
    if (r.labels[0] === "neutral") assert.deepEqual(r.AUs, []);
    for (const au of r.AUs) assert.ok(r.description!.includes(`(${au})`), `${r.id} description misses ${au}`);
    assert.equal(typeof r.meta_info?.subject, "string");
    const png = byPath.get(`images/${r.image as string}`);
    assert.ok(png, `missing image ${r.image as string}`);
    assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE));
    assert.equal(png.readUInt32BE(16), IMAGE_SIZE);
    assert.equal(png.readUInt32BE(20), IMAGE_SIZE);
  }
  const trainSubjects = new Set(records.filter((r) => String(r.id).includes("-train-")).map((r) => r.meta_info!.subject));
  for (const r of records.filter((x) => String(x.id).includes("-test-"))) assert.ok(!trainSubjects.has(r.meta_info!.subject));
});
