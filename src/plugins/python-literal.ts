import { invalidInput } from "../util/errors.js";
/** Python source literals, ASCII-only and byte-stable, for values baked into emitted plugins. */

export function pyString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const ch = value[i];
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length && isLowSurrogate(value.charCodeAt(i + 1))) {
      out += `\\U${value.codePointAt(i)!.toString(16).padStart(8, "0")}`;
      i++;
    } else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** A float literal that Python parses to exactly the same double. */
export function pyFloat(value: number): string {
  if (!Number.isFinite(value)) throw invalidInput(`cannot emit ${value} as a Python float (reward weights, beta and clamp must be finite)`);
  if (Object.is(value, -0)) return "-0.0";
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

export function pyStringList(values: readonly string[]): string {
  return `[${values.map(pyString).join(", ")}]`;
}

/** A dict of str -> list[str], one entry per line, in the given key order. */
export function pyLabelDict(labels: Readonly<Record<string, readonly string[]>>, indent = "    "): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${indent}${pyString(k)}: ${pyStringList(v)},`).join("\n")}\n}`;
}
