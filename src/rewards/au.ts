import { PY_DIGIT_RANGES, digitClassBody, jsCodePointEscape, pyStrip, pythonUpper } from "./python-text.js";
import { firstThinkBlock } from "./tags.js";

/** `AU\d+` after `str.upper()`: only a/A/u/U upper-case to A/U, and digits have no case. */
const PUBLISHED_AU = new RegExp(`[aA][uU]([${digitClassBody(jsCodePointEscape)}]+)`, "gu");
/** Where a token can start: the regex engine finds these faster than a JavaScript loop. */
const AU_PAIR = /[aA][uU]/g;
/** Normalized spelling: au4, AU04, AU 4, Au-4, AU_4 (ASCII digits), not inside a word. */
const NORMALIZED_AU = /(?<![A-Za-z0-9])[aA][uU][ \t_-]*0*([1-9][0-9]*)/g;
const NORMALIZED_AU_WHOLE = /^[aA][uU][ \t_-]*0*([1-9][0-9]*)$/;

function collect(re: RegExp, text: string, into: Set<string>): Set<string> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) into.add(`AU${m[1]}`);
  return into;
}

/** Published: every `AU\d+` of the upper-cased first think block (none without one). */
export function publishedPredictedAUs(completion: string): Set<string> {
  const think = firstThinkBlock(completion);
  return think === undefined ? new Set() : publishedAUsInText(think);
}

/** Published ground truth: the record's AUs upper-cased (Python 3.11 `str.upper`), as a set. */
export function publishedTruthAUs(aus: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of aus) out.add(isCanonicalAsciiToken(s) ? s : pythonUpper(s));
  return out;
}

/** "AU" + ASCII digits: already upper case, the common case worth a fast path. */
function isCanonicalAsciiToken(s: string): boolean {
  if (s.length < 3 || s.charCodeAt(0) !== 0x41 || s.charCodeAt(1) !== 0x55) return false;
  for (let i = 2; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Published AU tokens of a text: Python `re.findall(r"AU\d+", text.upper())`, scanned by hand
 * (same left-to-right, non-overlapping matches as PUBLISHED_AU, without regex allocations).
 */
export function publishedAUsInText(text: string): Set<string> {
  const out = new Set<string>();
  const n = text.length;
  const candidates = AU_PAIR;
  candidates.lastIndex = 0;
  for (let m = candidates.exec(text); m !== null; m = candidates.exec(text)) {
    const i = m.index;
    let j = i + 2;
    while (j < n) {
      const width = digitWidthAt(text, j);
      if (width === 0) break;
      j += width;
    }
    if (j === i + 2) {
      candidates.lastIndex = i + 1;
      continue;
    }
    out.add(`AU${text.slice(i + 2, j)}`);
    candidates.lastIndex = j;
  }
  return out;
}

/** UTF-16 length of the Python `\d` digit starting at `i`, or 0 when there is none. */
function digitWidthAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0x30 && c <= 0x39) return 1;
  if (c < 0x660) return 0;
  const cp = text.codePointAt(i)!;
  return isPyDigit(cp) ? (cp > 0xffff ? 2 : 1) : 0;
}

function isPyDigit(cp: number): boolean {
  let lo = 0;
  let hi = PY_DIGIT_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = PY_DIGIT_RANGES[mid];
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The regex form of publishedAUsInText (kept as its specification; tests compare the two). */
export function publishedAUsInTextByRegex(text: string): Set<string> {
  return collect(PUBLISHED_AU, text, new Set());
}

/** Normalized: AU tokens anywhere in the completion (think, answer or untagged text). */
export function normalizedAUsInText(text: string): Set<string> {
  return collect(NORMALIZED_AU, text, new Set());
}

/** Normalized ground truth: entries spelt as AU tokens, canonical; other entries ignored. */
export function normalizedTruthAUs(aus: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of aus) {
    const m = NORMALIZED_AU_WHOLE.exec(pyStrip(s));
    if (m) out.add(`AU${m[1]}`);
  }
  return out;
}

/**
 * 0.0 without ground truth, -1.0 without prediction, else F-beta mapped to 2F - 1, with the
 * published order of operations (the exact bits matter: 0.33333333333333326, not 1/3).
 */
export function auScore(predicted: ReadonlySet<string>, truth: ReadonlySet<string>, beta: number): number {
  if (truth.size === 0) return 0;
  if (predicted.size === 0) return -1;
  let intersection = 0;
  for (const token of predicted) if (truth.has(token)) intersection++;
  const precision = intersection / predicted.size;
  const recall = intersection / truth.size;
  const b2 = beta * beta;
  const f = precision + recall !== 0 ? ((1 + b2) * precision * recall) / (b2 * precision + recall) : 0;
  return 2 * f - 1;
}
