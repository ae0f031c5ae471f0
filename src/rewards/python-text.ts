import { PYTHON_UPPER_RUNS, PYTHON_UPPER_SPECIAL } from "./python-upper-table.js";

/**
 * Text primitives with the exact semantics of the Python reference (CPython `str` and `re`),
 * written so JavaScript and the emitted Python agree bit for bit:
 *  - JavaScript `\s` and `trim()` include U+FEFF but not U+001C..U+001F or U+0085; Python's
 *    `\s` and `str.strip()` are the other way round. Both sides use PY_WHITESPACE.
 *  - Python 3 `\d` matches every Unicode decimal digit (category Nd); JavaScript `\d` matches
 *    only 0-9, and `\p{Nd}` follows the engine's (newer) Unicode version. Both sides use
 *    PY_DIGIT_RANGES, the Nd set of Unicode 14.0 (CPython 3.11), spelled out.
 *  - `str.upper()` and `toUpperCase()` share the full case mapping (ß -> SS, ı -> I) but not
 *    the Unicode version; pythonUpper uses CPython 3.11's table on every Node.
 *  - Python's `re.IGNORECASE` makes `i` match İ (U+0130) and ı (U+0131), and `k` match the
 *    Kelvin sign (U+212A); JavaScript's `i` flag does not. Tags are spelled as explicit classes.
 */

/** Characters of Python's `\s` (str patterns) and of `str.strip()` with no argument. */
export const PY_WHITESPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

const WHITESPACE_SET: ReadonlySet<number> = new Set([...PY_WHITESPACE].map((c) => c.charCodeAt(0)));

export function isPyWhitespace(code: number): boolean {
  return code <= 0x20 ? code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f) : WHITESPACE_SET.has(code);
}

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPyWhitespace(s.charCodeAt(start))) start++;
  while (end > start && isPyWhitespace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Unicode 14.0 category Nd (what Python 3.11's `\d` matches), as inclusive code point ranges. */
export const PY_DIGIT_RANGES: readonly (readonly [number, number])[] = [
  [0x30, 0x39], [0x660, 0x669], [0x6f0, 0x6f9], [0x7c0, 0x7c9], [0x966, 0x96f], [0x9e6, 0x9ef], [0xa66, 0xa6f],
  [0xae6, 0xaef], [0xb66, 0xb6f], [0xbe6, 0xbef], [0xc66, 0xc6f], [0xce6, 0xcef], [0xd66, 0xd6f], [0xde6, 0xdef],
  [0xe50, 0xe59], [0xed0, 0xed9], [0xf20, 0xf29], [0x1040, 0x1049], [0x1090, 0x1099], [0x17e0, 0x17e9], [0x1810, 0x1819],
  [0x1946, 0x194f], [0x19d0, 0x19d9], [0x1a80, 0x1a89], [0x1a90, 0x1a99], [0x1b50, 0x1b59], [0x1bb0, 0x1bb9], [0x1c40, 0x1c49],
  [0x1c50, 0x1c59], [0xa620, 0xa629], [0xa8d0, 0xa8d9], [0xa900, 0xa909], [0xa9d0, 0xa9d9], [0xa9f0, 0xa9f9], [0xaa50, 0xaa59],
  [0xabf0, 0xabf9], [0xff10, 0xff19], [0x104a0, 0x104a9], [0x10d30, 0x10d39], [0x11066, 0x1106f], [0x110f0, 0x110f9],
  [0x11136, 0x1113f], [0x111d0, 0x111d9], [0x112f0, 0x112f9], [0x11450, 0x11459], [0x114d0, 0x114d9], [0x11650, 0x11659],
  [0x116c0, 0x116c9], [0x11730, 0x11739], [0x118e0, 0x118e9], [0x11950, 0x11959], [0x11c50, 0x11c59], [0x11d50, 0x11d59],
  [0x11da0, 0x11da9], [0x16a60, 0x16a69], [0x16ac0, 0x16ac9], [0x16b50, 0x16b59], [0x1d7ce, 0x1d7ff], [0x1e140, 0x1e149],
  [0x1e2f0, 0x1e2f9], [0x1e950, 0x1e959], [0x1fbf0, 0x1fbf9],
];

/** PY_WHITESPACE escaped for use inside a regex character class (JS with the `u` flag, or Python). */
export const PY_WHITESPACE_CLASS_BODY = [...PY_WHITESPACE].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");

/** A regex character class (JS with the `u` flag, or Python) for PY_WHITESPACE. */
export const PY_WHITESPACE_CLASS = `[${PY_WHITESPACE_CLASS_BODY}]`;

const WHITESPACE_RUN = new RegExp(`${PY_WHITESPACE_CLASS}+`, "u");

/** Python `text.split()`: split on whitespace runs, no empty pieces. */
export function pySplitWhitespace(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((piece) => piece.length > 0);
}

/** Python `re` `\\w` for str patterns (a character class body): letters, digits and numerals, underscore. */
export const PY_WORD_CHAR = "\\p{L}\\p{N}_";

/** The body of a character class (without brackets) for PY_DIGIT_RANGES, JS `u`-flag syntax. */
export function digitClassBody(escape: (codePoint: number) => string): string {
  return PY_DIGIT_RANGES.map(([a, b]) => `${escape(a)}-${escape(b)}`).join("");
}

export const jsCodePointEscape = (cp: number): string => `\\u{${cp.toString(16)}}`;

/** `<think>` / `</think>` as Python's `re.IGNORECASE` matches them (see the header). */
export const THINK_OPEN_CI = "<[tT][hH][iI\\u0130\\u0131][nN][kK\\u212a]>";
export const THINK_CLOSE_CI = "</[tT][hH][iI\\u0130\\u0131][nN][kK\\u212a]>";

const UPPER: Map<number, string> = buildUpperMap();

function buildUpperMap(): Map<number, string> {
  const map = new Map<number, string>();
  for (const [first, last, step, delta] of PYTHON_UPPER_RUNS) {
    for (let cp = first; cp <= last; cp += step) map.set(cp, String.fromCodePoint(cp + delta));
  }
  for (const [cp, upper] of PYTHON_UPPER_SPECIAL) map.set(cp, upper);
  return map;
}

/** Python 3.11 `s.upper()`, independent of the ICU version Node ships with. */
export function pythonUpper(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s.toUpperCase();
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += UPPER.get(cp) ?? ch;
  }
  return out;
}

/** ASCII-only lower case (A-Z -> a-z), identical in both languages whatever the Unicode tables. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}
