/** Text helpers that behave like Python's `str` methods and `re` classes, where JavaScript differs. */

/** The characters Python's `str.split()` and `re` `\s` treat as whitespace. */
export const PY_WHITESPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, "u");

/** Python `text.split()`: split on whitespace runs, no empty pieces. */
export function pySplitWhitespace(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((piece) => piece.length > 0);
}

/** Python `re` `\w` for str patterns: letters, digits and numerals, underscore. */
export const PY_WORD_CHAR = "\\p{L}\\p{N}_";
