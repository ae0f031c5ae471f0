// Regenerates run_scripts/ and schemas/run-config.schema.json from configs/ and the zod schema.
// `--check` writes nothing and exits 1 when a checked-in file is stale.
import { readFile, writeFile, mkdir, chmod } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { renderRepositoryFiles } from "../src/trainer/run-scripts.js";

const root = resolve(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const files = await renderRepositoryFiles(root);
let stale = 0;
for (const [rel, content] of files) {
  const path = join(root, rel);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === content) continue;
  stale++;
  if (check) {
    console.error(`stale: ${rel}`);
    continue;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  if (rel.endsWith(".sh")) await chmod(path, 0o755);
  console.error(`wrote ${rel}`);
}
console.error(`${files.size} files, ${stale} ${check ? "stale" : "updated"}`);
process.exit(check && stale > 0 ? 1 : 0);
