import { test } from "node:test";
import assert from "node:assert/strict";
import { PY_DIGIT_RANGES, PY_WHITESPACE, THINK_OPEN_CI, asciiLower, pyStrip, pythonUpper } from "../../src/rewards/python-text.js";
import { PYTHON_UPPER_UNICODE_VERSION } from "../../src/rewards/python-upper-table.js";
import { runPython } from "../plugins/python.js";

// One python3 process dumps every table the TypeScript side mirrors.
const DUMP = String.raw`
import json, re, unicodedata
everything = "".join(chr(c) for c in range(0x110000) if not 0xd800 <= c <= 0xdfff)
codes = lambda chars: [ord(ch) for ch in chars]
print(json.dumps({
    "version": unicodedata.unidata_version,
    "ws": codes(re.findall(r"\s", everything)),
    "strip": codes(ch for ch in everything if not ch.strip()),
    "digits": codes(re.findall(r"\d", everything)),
    "upper": {str(ord(ch)): ch.upper() for ch in everything if ch.upper() != ch},
    "think": {l: codes(re.findall(l, everything, re.IGNORECASE)) for l in "think"},
}))
`;
const tables = runPython(["-c", DUMP]).then((out) => JSON.parse(out) as {
  version: string;
  ws: number[];
  strip: number[];
  digits: number[];
  upper: Record<string, string>;
  think: Record<string, number[]>;
});

test("PY_WHITESPACE is exactly Python's \\s and str.strip() set (differs from JavaScript's \\s)", async () => {
  const t = await tables;
  const ours = [...PY_WHITESPACE].map((c) => c.charCodeAt(0));
  assert.deepEqual(ours, t.ws);
  assert.deepEqual(ours, t.strip);
  assert.ok(/\s/.test("\ufeff") && !ours.includes(0xfeff), "JS \\s has U+FEFF, Python does not");
  assert.ok(!/\s/.test("\x85") && ours.includes(0x85), "Python has U+0085, JS does not");
  assert.equal(pyStrip("\x1c\x85 a \ufeff\u3000"), "a \ufeff");
});

test("digit, upper-case and <think> tables equal CPython's for the pinned Unicode version", async (t) => {
  const py = await tables;
  if (py.version !== PYTHON_UPPER_UNICODE_VERSION) {
    t.skip(`python3 has Unicode ${py.version}; the tables pin ${PYTHON_UPPER_UNICODE_VERSION} (CPython 3.11)`);
    return;
  }
  const digits: number[] = [];
  for (const [a, b] of PY_DIGIT_RANGES) for (let c = a; c <= b; c++) digits.push(c);
  assert.deepEqual(digits, py.digits);
  const mismatches: string[] = [];
  for (let c = 0; c < 0x110000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCodePoint(c);
    const want = py.upper[String(c)] ?? ch;
    if (pythonUpper(ch) !== want) mismatches.push(c.toString(16));
  }
  assert.deepEqual(mismatches, []);
  const re = new RegExp(`^${THINK_OPEN_CI}$`);
  for (const [letter, cps] of Object.entries(py.think)) {
    for (const cp of cps) assert.ok(re.test(`<think>`.replace(letter, String.fromCodePoint(cp))), `${letter} ~ U+${cp.toString(16)}`);
  }
  assert.ok(!re.test("<thinȱ>"));
});

test("pythonUpper does not follow Node's newer Unicode; asciiLower touches ASCII only", () => {
  assert.equal(pythonUpper("\u019b"), "\u019b", "U+019B gains an upper case only in Unicode 16");
  assert.equal(pythonUpper("stra\u00dfe \u0131 \ufb01"), "STRASSE I FI");
  assert.equal(pythonUpper("\ud800x"), "\ud800X");
  assert.equal(asciiLower("HAPPY \u00c9 \u0130"), "happy \u00c9 \u0130");
});
