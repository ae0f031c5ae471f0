import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FloatList, numpyMean, numpySum } from "../../src/eval/metrics/mean.js";

const { cases } = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "numpy-sums.json"), "utf8")) as {
  cases: { values: number[]; sum: number; mean: number | null }[];
};

test("numpySum and numpyMean equal NumPy's results bit for bit", () => {
  let sequentialDiffers = 0;
  for (const c of cases) {
    assert.equal(numpySum(c.values), c.sum, `sum of ${c.values.length}`);
    assert.equal(numpyMean(c.values) ?? null, c.mean, `mean of ${c.values.length}`);
    let sequential = 0;
    for (const v of c.values) sequential += v;
    if (sequential !== c.sum) sequentialDiffers++;
  }
  // The fixture is only a useful check if plain left-to-right addition would fail it.
  assert.ok(sequentialDiffers > 0);
});

test("FloatList grows and keeps order", () => {
  const list = new FloatList();
  for (let i = 0; i < 3000; i++) list.push(i);
  assert.equal(list.length, 3000);
  assert.equal(list.values()[2999], 2999);
  assert.equal(list.mean(), 1499.5);
  assert.equal(new FloatList().mean(), undefined);
});
