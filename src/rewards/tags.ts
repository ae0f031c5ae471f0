import { THINK_CLOSE_CI, THINK_OPEN_CI } from "./python-text.js";

export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";
export const ANSWER_OPEN = "<answer>";
export const ANSWER_CLOSE = "</answer>";

const THINK_OPEN_RE = new RegExp(THINK_OPEN_CI, "g");
const THINK_CLOSE_RE = new RegExp(THINK_CLOSE_CI, "g");
const ANSWER_OPEN_ASCII_CI = /<answer>/gi;
const ANSWER_CLOSE_ASCII_CI = /<\/answer>/gi;

/**
 * Text of the first `<think>(.*?)</think>` block (dot matches newlines), or undefined, with
 * the tags matched as Python's re.IGNORECASE matches them (İ, ı, Kelvin sign included).
 *
 * Equivalent to a leftmost lazy regex search: when the first opening tag has no closing tag
 * after it, no later opening tag can have one either.
 */
export function firstThinkBlock(text: string): string | undefined {
  const open = THINK_OPEN_RE;
  const close = THINK_CLOSE_RE;
  open.lastIndex = 0;
  const o = open.exec(text);
  if (!o) return undefined;
  const start = o.index + o[0].length;
  close.lastIndex = start;
  const c = close.exec(text);
  return c ? text.slice(start, c.index) : undefined;
}

/**
 * Text of the last `<answer>(.*?)</answer>` match of a left-to-right, non-overlapping scan
 * (Python `re.findall(..., re.DOTALL)[-1]`), or undefined when there is none.
 */
export function lastAnswerBlock(text: string, caseInsensitive: boolean): string | undefined {
  if (!caseInsensitive) {
    let last: string | undefined;
    let pos = 0;
    while (true) {
      const o = text.indexOf(ANSWER_OPEN, pos);
      if (o === -1) return last;
      const c = text.indexOf(ANSWER_CLOSE, o + ANSWER_OPEN.length);
      if (c === -1) return last;
      last = text.slice(o + ANSWER_OPEN.length, c);
      pos = c + ANSWER_CLOSE.length;
    }
  }
  let last: string | undefined;
  let pos = 0;
  while (true) {
    ANSWER_OPEN_ASCII_CI.lastIndex = pos;
    const o = ANSWER_OPEN_ASCII_CI.exec(text);
    if (!o) return last;
    const start = o.index + o[0].length;
    ANSWER_CLOSE_ASCII_CI.lastIndex = start;
    const c = ANSWER_CLOSE_ASCII_CI.exec(text);
    if (!c) return last;
    last = text.slice(start, c.index);
    pos = c.index + c[0].length;
  }
}

/**
 * Python `re.search(r"<answer>(.*?)</answer>", text)` WITHOUT re.DOTALL: the content of the
 * first answer block whose content has no "\n" (Python's `.` excludes only "\n").
 */
export function firstSingleLineAnswer(text: string): string | undefined {
  // The first close and newline at or after an opening tag only move forward: reuse them.
  let close = -2;
  let newline = -2;
  let pos = 0;
  while (true) {
    const o = text.indexOf(ANSWER_OPEN, pos);
    if (o === -1) return undefined;
    const start = o + ANSWER_OPEN.length;
    if (close !== -1 && close < start) close = text.indexOf(ANSWER_CLOSE, start);
    if (close === -1) return undefined;
    if (newline !== -1 && newline < start) newline = text.indexOf("\n", start);
    if (newline === -1 || newline >= close) return text.slice(start, close);
    pos = o + 1;
  }
}

/** Removes every `<answer>` and then every `</answer>` (Python's two chained `str.replace`). */
export function removeAnswerTags(text: string): string {
  if (!text.includes("<")) return text;
  return text.replaceAll(ANSWER_OPEN, "").replaceAll(ANSWER_CLOSE, "");
}

/** Non-overlapping occurrences of `needle`. */
export function countOccurrences(text: string, needle: string): number {
  let n = 0;
  let pos = text.indexOf(needle);
  while (pos !== -1) {
    n++;
    pos = text.indexOf(needle, pos + needle.length);
  }
  return n;
}
