import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.js";
import { scoreEvaluation } from "../../src/eval/score.js";
import { buildReport, comparisonRow } from "../../src/eval/report.js";
import { PAPER_ROWS } from "../../src/eval/paper-numbers.js";

/** A strict-enough XML well-formedness check: every tag closes in order, attributes quoted, entities known. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<![A-Z][^>]*>/g;
  let last = 0;
  for (const m of xml.matchAll(tag)) {
    const text = xml.slice(last, m.index);
    assert.doesNotMatch(text, /[<>]|&(?!(amp|lt|gt|quot|apos);)/, `stray markup in text: ${text.slice(0, 80)}`);
    last = m.index! + m[0].length;
    if (m[2] === undefined) continue;
    if (m[1] === "/") assert.equal(stack.pop(), m[2], `closing </${m[2]}> out of order`);
    else if (m[4] !== "/") stack.push(m[2]);
  }
  assert.doesNotMatch(xml.slice(last), /[<>]/);
  assert.deepEqual(stack, [], "unclosed tags");
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

async function resultFile(dir: string, name: string, output: string): Promise<string> {
  const ds = join(dir, `${name}-ds.jsonl`);
  const pr = join(dir, `${name}-pr.jsonl`);
  const judge = join(dir, `${name}-judge.jsonl`);
  await writeFile(
    ds,
    jsonl([
      { id: "a", dataset: "DISFA", AUs: ["AU1", "AU12"], labels: ["happiness"], description: "Smile with cheeks raised." },
      { id: "b", dataset: "RAF-DB", AUs: ["AU4"], labels: ["anger & <rage>"], description: "Brows lowered." },
    ]),
  );
  await writeFile(pr, jsonl([{ id: "a", output }, { id: "b", output: "<think>AU4</think><answer>anger</answer>" }]));
  await writeFile(judge, jsonl([{ id: "a", score: 7, reason: "" }, { id: "b", score: null, reason: "", error: "x" }]));
  const result = await scoreEvaluation({ dataset: ds, predictions: pr, protocol: "facial-r1", judgements: judge, progress: false });
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(result));
  return file;
}

test("eval report writes JSON, Markdown, HTML and well-formed SVG charts with the paper's rows", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = await resultFile(dir, "checkpoint-1", "<think>AU1 AU12 smile</think><answer>happiness</answer>");
    const b = await resultFile(dir, "checkpoint-2", "<think>AU1</think><answer>sadness</answer>");
    const out = join(dir, "report");
    const files = await buildReport({ results: [a, b], outDir: out });
    const report = JSON.parse(await readFile(files.json, "utf8"));
    assert.deepEqual(report.runs.map((r: { name: string }) => r.name), ["checkpoint-1", "checkpoint-2"]);
    assert.equal(report.comparison.length, 2 + PAPER_ROWS.length);
    assert.equal(report.comparison[0].auF1.disfa, 100);
    assert.equal(report.comparison[0].accuracy.rafdb, 0);
    assert.equal(report.comparison[0].gptScore, 7);
    const md = await readFile(files.markdown, "utf8");
    assert.match(md, /\| Facial-R1 \(paper\) \| 73\.1 \| 67\.4 \| 70\.2 \| 68\.3 \| 69\.8 \| 65\.2 \| 92\.1 \| 67\.8 \| 95\.5 \| 37\.3 \| 6\.09 \|/);
    assert.match(md, /!\[checkpoint-1: per-AU F1\]\(checkpoint-1-au-f1\.svg\)/);
    const svgs = (await readdir(out)).filter((f) => f.endsWith(".svg")).sort();
    assert.deepEqual(svgs, [
      "checkpoint-1-au-f1.svg", "checkpoint-1-confusion.svg", "checkpoint-1-judge.svg",
      "checkpoint-2-au-f1.svg", "checkpoint-2-confusion.svg", "checkpoint-2-judge.svg",
    ]);
    for (const svg of svgs) assertWellFormedXml(await readFile(join(out, svg), "utf8"));
    const html = await readFile(files.html, "utf8");
    assert.match(html, /^<!DOCTYPE html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 6, "charts are inline");
    assert.match(html, /anger &amp; &lt;rage&gt;/, "labels are escaped");
    assertWellFormedXml(html.replace(/^<!DOCTYPE html>\n/, "").replace(/<meta charset="utf-8">/, '<meta charset="utf-8"/>'));
  } finally {
    await cleanup();
  }
});

test("the standard protocol's per-AU F1 chart marks AUs left out of the mean n/a instead of drawing 0% bars", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // DISFA scores 8 fixed AUs; the ground truth has positives for AU1, AU12 and AU25 only.
    const ds = join(dir, "ds.jsonl");
    const pr = join(dir, "pr.jsonl");
    await writeFile(ds, jsonl([{ id: "a", dataset: "DISFA", AUs: ["AU1", "AU12"], labels: [] }, { id: "b", dataset: "DISFA", AUs: ["AU25"], labels: [] }]));
    await writeFile(pr, jsonl([{ id: "a", output: "<think>AU1 AU12 AU4</think>" }, { id: "b", output: "<think>AU26</think>" }]));
    const result = await scoreEvaluation({ dataset: ds, predictions: pr, protocol: "standard", benchmark: "disfa", progress: false });
    const file = join(dir, "std.json");
    await writeFile(file, JSON.stringify(result));
    const perAu = result.au!.per_au;
    const withoutPositive = Object.keys(perAu).filter((au) => perAu[au].support === 0);
    assert.deepEqual(withoutPositive, ["AU2", "AU4", "AU6", "AU9", "AU26"]);
    await buildReport({ results: [file], outDir: join(dir, "report") });
    const svg = await readFile(join(dir, "report", "std-au-f1.svg"), "utf8");
    assertWellFormedXml(svg);
    // One bar per AU with a positive (AU25's F1 is a real 0), an n/a note for each of the others.
    assert.equal((svg.match(/<rect [^>]*fill="#4e79a7"/g) ?? []).length, 3);
    assert.equal((svg.match(/n\/a: no positive in the ground truth/g) ?? []).length, withoutPositive.length);
    for (const au of withoutPositive) assert.match(svg, new RegExp(`>${au}</text>\\s*<text [^>]*>n/a`));
    assert.match(svg, />AU25<\/text>\s*<rect [^>]*width="0.00"/);
  } finally {
    await cleanup();
  }
});

test("comparisonRow fills only the paper columns a run speaks for", () => {
  const row = comparisonRow({
    name: "run",
    file: "run.json",
    result: { protocol: "standard", benchmark: "bp4d", au: { macro_f1: 0.5 }, emotion: null, rouge: null, counts: {} } as never,
  });
  assert.deepEqual(row.auF1, { bp4d: 50 });
  assert.deepEqual(row.accuracy, {});
  assert.equal(row.rougeL, undefined);
});

test("eval report CLI: bad input exits 2 with the file named", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{}");
    const r = await runCli(["eval", "report", bad, "--out", join(dir, "out")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json: not an eval score result/);
  } finally {
    await cleanup();
  }
});
