import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cachedPorterStemmer, porterStem } from "../../src/eval/metrics/porter.js";

const stems = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "porter-nltk-stems.json"), "utf8")) as Record<string, string>;

test("porterStem matches NLTK 3.8 (NLTK_EXTENSIONS) on every word of the fixture", () => {
  const wrong: string[] = [];
  for (const [word, stem] of Object.entries(stems)) {
    const got = porterStem(word);
    if (got !== stem) wrong.push(`${word}: expected ${stem}, got ${got}`);
  }
  assert.equal(Object.keys(stems).length, 12739);
  assert.deepEqual(wrong.slice(0, 20), []);
});

test("porterStem covers NLTK's departures from the 1980 algorithm", () => {
  const cases: Record<string, string> = {
    dying: "die", lying: "lie", skies: "sky", news: "news", proceed: "proceed",
    ties: "tie", dies: "die", flies: "fli", died: "die", spied: "spi",
    happy: "happi", enjoy: "enjoy", spy: "spi",
    generically: "gener", geology: "geolog",
    is: "is", as: "as",
    meeting: "meet", friends: "friend", relational: "relat", hopping: "hop", filing: "file",
  };
  for (const [word, stem] of Object.entries(cases)) assert.equal(porterStem(word), stem, word);
});

test("cachedPorterStemmer returns the same stems as porterStem", () => {
  const stem = cachedPorterStemmer(3);
  for (const word of ["running", "runs", "running", "abilities", "ability", "running"]) assert.equal(stem(word), porterStem(word));
});
