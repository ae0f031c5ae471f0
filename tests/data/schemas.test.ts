import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { renderSchemas, SCHEMAS_DIR } from "../../scripts/export-schemas.js";

test("the checked-in JSON Schemas match the zod schemas (run scripts/export-schemas.ts when this fails)", async () => {
  const rendered = renderSchemas();
  assert.deepEqual(Object.keys(rendered).sort(), ["loop.schema.json", "prediction.schema.json", "sample.schema.json"]);
  for (const [name, text] of Object.entries(rendered)) {
    assert.equal(await readFile(join(SCHEMAS_DIR, name), "utf8"), text, `schemas/${name} is stale`);
  }
});

test("the sample schema requires the contract's fields and allows extra ones", () => {
  const schema = JSON.parse(renderSchemas()["sample.schema.json"]) as { required: string[]; additionalProperties: unknown };
  assert.deepEqual(schema.required.sort(), ["AUs", "dataset", "id", "image", "labels", "question"]);
  assert.deepEqual(schema.additionalProperties, {});
});
