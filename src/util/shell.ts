import { internalError } from "./errors.js";
/**
 * Shell words for generated scripts. Every literal is single-quoted, so spaces, quotes,
 * `$(...)`, backticks and newlines in a value stay data; only the variables the script itself
 * defines are expanded, always inside double quotes.
 */

export type WordPart = { literal: string } | { variable: string } | { trusted: string };

/** One shell word made of literal text and `"${VAR}"` expansions. */
export type Word = readonly WordPart[];

export function lit(text: string): Word {
  return [{ literal: text }];
}

export function variable(name: string): Word {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw internalError(`not a shell variable name: ${name}`);
  return [{ variable: name }];
}

/**
 * Shell text emitted as is, for the few fixed expressions the generator itself writes
 * (e.g. the script's own directory). Never pass user data here.
 */
export function trusted(expression: string): Word {
  return [{ trusted: expression }];
}

/** Concatenates words and strings into one word. */
export function join(...parts: (Word | string)[]): Word {
  return parts.flatMap((p) => (typeof p === "string" ? lit(p) : p));
}

/** Joins words with a literal separator (e.g. ":" for the trainer's colon-separated lists). */
export function joinWith(separator: string, words: Word[]): Word {
  return words.flatMap((w, i) => (i === 0 ? [...w] : [{ literal: separator }, ...w]));
}

/** POSIX single quoting: the only character needing care is the single quote itself. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Characters that mean nothing special to the shell anywhere in a word. */
const PLAIN = /^[A-Za-z0-9_\-./=:,+@%]+$/;

/** Plain text stays bare for readability; anything else is single-quoted. */
export function quoteIfNeeded(text: string): string {
  if (text === "") return "";
  return PLAIN.test(text) ? text : shellQuote(text);
}

export function renderWord(word: Word): string {
  if (word.length === 0) return "''";
  const text = word
    .map((part) => ("literal" in part ? quoteIfNeeded(part.literal) : "variable" in part ? `"\${${part.variable}}"` : part.trusted))
    .join("");
  return text || "''";
}

/** `NAME=${NAME:-default}`: the environment wins, the planned value is the fallback. */
export function renderDefaultAssignment(name: string, fallback: Word): string {
  variable(name);
  return `${name}=\${${name}:-${renderWord(fallback)}}`;
}

/** A command split over lines: `cmd \` + one `flag value...` per line. */
export function renderCommand(command: Word[], args: { flag: string; values: Word[] }[], indent = "    "): string {
  const lines = [command.map(renderWord).join(" ")];
  for (const arg of args) lines.push(`${indent}${[arg.flag, ...arg.values.map(renderWord)].join(" ")}`);
  return lines.join(" \\\n");
}
