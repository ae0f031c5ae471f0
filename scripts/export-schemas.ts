// Writes schemas/*.schema.json from the zod schemas (src/schema/json-schema.ts, and the loop
// config's from src/loop/config.ts).
// `--check` writes nothing and exits 1 when a checked-in file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loopConfigJsonSchema } from "../src/loop/config.js";
import { jsonSchemas } from "../src/schema/json-schema.js";

export const SCHEMAS_DIR = resolve(import.meta.dirname, "..", "schemas");

/** File name → exact file content. */
export function renderSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  const schemas = { ...jsonSchemas(), "loop.schema.json": loopConfigJsonSchema() };
  for (const [name, schema] of Object.entries(schemas)) out[name] = `${JSON.stringify(schema, null, 2)}\n`;
  return out;
}

function current(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [name, text] of Object.entries(renderSchemas())) {
    const path = join(SCHEMAS_DIR, name);
    if (current(path) === text) continue;
    if (check) {
      console.error(`schemas/${name} is stale; run: npx tsx scripts/export-schemas.ts`);
      stale++;
    } else {
      writeFileSync(path, text);
      console.error(`wrote schemas/${name}`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
