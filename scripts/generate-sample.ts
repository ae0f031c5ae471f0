// Regenerates the synthetic sample dataset in samples/fea-sample/ (run: node --import tsx scripts/generate-sample.ts).
import { join, resolve } from "node:path";
import { writeSampleDataset } from "../src/data/sample-dataset.js";

const dir = join(resolve(import.meta.dirname, ".."), "samples", "fea-sample");
const files = await writeSampleDataset(dir);
const bytes = files.reduce((sum, f) => sum + f.data.length, 0);
console.error(`wrote ${files.length} files (${bytes} bytes) to ${dir}`);
