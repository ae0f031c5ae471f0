import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.js";
import { headerColumns, parseCsvLine, readCsvRows } from "../../src/data/convert/csv.js";
import { checkTemplate, fillTemplate } from "../../src/data/convert/image-template.js";
import { FER2013_LABELS, FER2013_USAGE_SPLITS, parsePixels } from "../../src/data/convert/fer2013.js";
import { RAFDB_LABELS } from "../../src/data/convert/rafdb.js";
import { AFFECTNET_DROPPED, AFFECTNET_LABELS } from "../../src/data/convert/affectnet.js";
import { parseRafauCodes } from "../../src/data/convert/rafau.js";
import { feaSplitOf } from "../../src/data/convert/fea20k.js";
import { EMOTIONS } from "../../src/taxonomy/emotions.js";
import { put } from "./fixtures.js";

// Transcribed from the method reference ("Datasets and label conventions").
const METHOD_FER2013 = "0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral";
const METHOD_RAFDB = "1 surprise, 2 fear, 3 disgust, 4 happiness, 5 sadness, 6 anger, 7 neutral";
const METHOD_AFFECTNET = "0 neutral, 1 happiness, 2 sadness, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt, 8 none, 9 uncertain, 10 no-face";
const NOUN: Record<string, string> = { angry: "anger", happy: "happiness", sad: "sadness" };

function table(text: string): Map<number, string> {
  return new Map(text.split(", ").map((entry) => {
    const [id, word] = entry.split(" ");
    return [Number(id), NOUN[word] ?? word];
  }));
}

test("label maps match the method reference and speak the unified nouns", () => {
  const fer = table(METHOD_FER2013);
  assert.deepEqual(new Map(Object.entries(FER2013_LABELS).map(([k, v]) => [Number(k), v])), fer);
  assert.deepEqual(new Map(Object.entries(RAFDB_LABELS).map(([k, v]) => [Number(k), v])), table(METHOD_RAFDB));
  const affectnet = table(METHOD_AFFECTNET);
  for (const [id, word] of affectnet) {
    if (id >= 8) assert.equal(AFFECTNET_DROPPED[id], word, `AffectNet ${id} is dropped`);
    else assert.equal(AFFECTNET_LABELS[id], word);
  }
  assert.equal(Object.keys(AFFECTNET_LABELS).length + Object.keys(AFFECTNET_DROPPED).length, 11);
  for (const label of [...Object.values(FER2013_LABELS), ...Object.values(RAFDB_LABELS), ...Object.values(AFFECTNET_LABELS)]) {
    assert.ok((EMOTIONS as readonly string[]).includes(label), label);
  }
  assert.deepEqual(Object.keys(FER2013_USAGE_SPLITS).sort(), ["PrivateTest", "PublicTest", "Training"]);
});

test("parseCsvLine handles quotes, doubled quotes, empty fields and other delimiters", () => {
  assert.deepEqual(parseCsvLine('a,"b,c",,"say ""hi"""'), { ok: true, fields: ["a", "b,c", "", 'say "hi"'] });
  assert.deepEqual(parseCsvLine("x;y", ";"), { ok: true, fields: ["x", "y"] });
  assert.deepEqual(parseCsvLine(""), { ok: true, fields: [""] });
  assert.deepEqual(parseCsvLine("a,"), { ok: true, fields: ["a", ""] });
  const open = parseCsvLine('1,"never closed');
  assert.equal(open.ok, false);
  assert.equal(!open.ok && open.open, true);
  const stray = parseCsvLine('1,ab"c');
  assert.equal(!stray.ok && stray.column, 5);
  const after = parseCsvLine('"a"b,c');
  assert.equal(after.ok, false);
});

test("readCsvRows joins quoted fields across lines and reports a truncated quoted field", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, "a.csv");
    await put(file, 'h1,h2\r\n1,"two\nlines"\n\n3,"open');
    const rows = [];
    for await (const row of readCsvRows(file)) rows.push(row);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[1].kind === "row" && rows[1].fields, ["1", "two\nlines"]);
    assert.equal(rows[1].line, 2);
    assert.equal(rows[2].kind, "bad");
    assert.equal(rows[2].line, 5);
    assert.match(rows[2].kind === "bad" ? rows[2].problem.message : "", /never closed/);
  } finally {
    await cleanup();
  }
});

test("headerColumns names missing columns and spots a wrong delimiter", () => {
  const ok = headerColumns({ file: "f", line: 1, fields: ["emotion", "pixels", "Usage"], required: ["Usage", "emotion"], delimiter: ",", format: "x" });
  assert.equal(ok.get("Usage"), 2);
  assert.throws(
    () => headerColumns({ file: "f.csv", line: 1, fields: ["emotion;pixels;Usage"], required: ["emotion"], delimiter: ",", format: "fer2013.csv" }),
    (err: Error) => /header needs column\(s\) emotion/.test(err.message) && /--delimiter ";"/.test(err.message),
  );
});

test("parsePixels accepts exactly 48x48 values 0..255", () => {
  const good = parsePixels(Array.from({ length: 2304 }, (_, i) => i % 256).join(" "));
  assert.ok(good instanceof Uint8Array);
  assert.equal((good as Uint8Array)[300], 300 % 256);
  assert.match(parsePixels("1 2 3") as string, /got 3/);
  assert.match(parsePixels(Array(2305).fill("1").join(" ")) as string, /got more/);
  assert.match(parsePixels(`256 ${Array(2303).fill("1").join(" ")}`) as string, /over 255/);
  assert.match(parsePixels(`1,2 ${Array(2302).fill("1").join(" ")}`) as string, /unexpected character/);
});

test("image templates fill and pad placeholders and reject unknown ones", () => {
  assert.equal(fillTemplate("{subject}/{task}/{frame:04}.jpg", { subject: "F001", task: "T1", frame: 7 }), "F001/T1/0007.jpg");
  assert.equal(fillTemplate("{subject}/{frame0}.png", { subject: "SN001", frame0: 0 }), "SN001/0.png");
  assert.throws(() => checkTemplate("{subject}/{frm}.jpg", ["subject", "frame"]), /unknown placeholder \{frm\}/);
});

test("RAF-AU codes: lateral codes merged or dropped, null is no AU, junk is an error", () => {
  assert.deepEqual(parseRafauCodes("1+2+L12+R14+25", "merge"), { aus: ["AU1", "AU2", "AU12", "AU14", "AU25"], lateral: ["L12", "R14"] });
  assert.deepEqual(parseRafauCodes("4+L12", "drop"), { aus: ["AU4"], lateral: ["L12"] });
  assert.deepEqual(parseRafauCodes("null", "merge"), { aus: [], lateral: [] });
  assert.deepEqual(parseRafauCodes("12+L12", "merge"), { aus: ["AU12"], lateral: ["L12"] });
  assert.match(parseRafauCodes("1+X5", "merge") as string, /"X5" is not an AU code/);
});

test("FEA-20K split from the file name", () => {
  assert.equal(feaSplitOf("FEA-20K_train.jsonl"), "train");
  assert.equal(feaSplitOf("data/test.jsonl"), "test");
  assert.equal(feaSplitOf("annotations.jsonl"), undefined);
});

test("PngWriterPool writes through its workers, and on the main thread once no worker is left", async () => {
  const { PngWriterPool } = await import("../../src/data/convert/png-pool.js");
  const { readImageInfo } = await import("../../src/data/images.js");
  const { dir, cleanup } = await tempDir();
  const pool = new PngWriterPool(1);
  try {
    const pixels = new Uint8Array(6 * 4).map((_, i) => i * 10);
    await pool.write({ path: join(dir, "a.png"), width: 6, height: 4, pixels });
    assert.equal(pixels[5], 50, "the caller's pixels are not transferred away");
    await pool.close();
    await pool.write({ path: join(dir, "b.png"), width: 6, height: 4, pixels });
    for (const name of ["a.png", "b.png"]) assert.deepEqual(await readImageInfo(join(dir, name)), { format: "png", width: 6, height: 4, bytes: (await readImageInfo(join(dir, "a.png"))).bytes });
  } finally {
    await pool.close();
    await cleanup();
  }
});
