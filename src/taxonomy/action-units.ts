/**
 * The FACS Action Units the project names, with short definitions for prompts.
 * Numbers follow FACS; gaps (3, 8, 19, ...) are codes FACS does not define as AUs.
 */
export const ACTION_UNITS: Readonly<Record<number, string>> = {
  1: "Inner brow raiser",
  2: "Outer brow raiser",
  4: "Brow lowerer",
  5: "Upper lid raiser",
  6: "Cheek raiser",
  7: "Lid tightener",
  9: "Nose wrinkler",
  10: "Upper lip raiser",
  11: "Nasolabial deepener",
  12: "Lip corner puller",
  13: "Sharp lip puller",
  14: "Dimpler",
  15: "Lip corner depressor",
  16: "Lower lip depressor",
  17: "Chin raiser",
  18: "Lip pucker",
  20: "Lip stretcher",
  22: "Lip funneler",
  23: "Lip tightener",
  24: "Lip pressor",
  25: "Lips part",
  26: "Jaw drop",
  27: "Mouth stretch",
  28: "Lip suck",
  41: "Lid droop",
  42: "Slit",
  43: "Eyes closed",
  44: "Squint",
  45: "Blink",
  46: "Wink",
};

/** Canonical spelling of an AU token: `AU` followed by the number without leading zeros. */
export const AU_TOKEN = /^AU[1-9][0-9]*$/;

export function auToken(n: number): string {
  return `AU${n}`;
}

export function auNumber(token: string): number {
  return Number(token.slice(2));
}

export function isKnownActionUnit(token: string): boolean {
  return AU_TOKEN.test(token) && auNumber(token) in ACTION_UNITS;
}

/**
 * The canonical token a variant spelling stands for (`au4`, `AU04`, `AU 4`, ` Au-4 `),
 * or undefined when the text is not an AU token at all.
 */
export function canonicalAuToken(text: string): string | undefined {
  const match = /^\s*au[\s_-]*0*([1-9][0-9]*)\s*$/i.exec(text);
  return match ? auToken(Number(match[1])) : undefined;
}

/** Numeric order: AU2 before AU10. */
export function compareAuTokens(a: string, b: string): number {
  return auNumber(a) - auNumber(b) || (a < b ? -1 : a > b ? 1 : 0);
}
