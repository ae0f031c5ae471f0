import { join, lit, renderWord, type Word } from "../../util/shell.js";

/**
 * `key=value` config overrides of the Ray trainers (verl's Hydra command line, EasyR1's
 * OmegaConf.from_cli), with values known at plan time or only on the training machine (paths
 * under BUNDLE_DIR, DATA_ROOT, OUTPUT_DIR, node counts).
 */
export type OverrideValue = string | number | boolean | null | readonly (string | number)[] | { runtime: Word; quoted: boolean };

export type Overrides = Map<string, OverrideValue>;

/** A value only the training machine knows: a quoted string (a path) or a bare number. */
export function runtime(word: Word, quoted = true): OverrideValue {
  return { runtime: word, quoted };
}

const BARE = /^[A-Za-z_/.][A-Za-z0-9_./+-]*$/;
const RESERVED = /^(true|false|null|none|yes|no|on|off|~)$/i;

/**
 * One scalar in the grammar both Hydra's override parser and YAML (which OmegaConf.from_cli
 * applies to each value) read the same way: bare when it is a plain identifier or path,
 * else single-quoted with `\` and `'` escaped as Hydra wants (no such value reaches YAML:
 * EasyR1's overrides are paths, refused by the script when they hold a quote).
 */
function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value !== "string") return String(value);
  if (BARE.test(value) && !RESERVED.test(value)) return value;
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The override as one shell word. */
export function overrideWord(key: string, value: OverrideValue): Word {
  if (value !== null && typeof value === "object" && "runtime" in value) {
    return value.quoted ? join(`${key}='`, value.runtime, "'") : join(`${key}=`, value.runtime);
  }
  if (Array.isArray(value)) return lit(`${key}=[${value.map((v) => scalar(v)).join(",")}]`);
  return lit(`${key}=${scalar(value as string | number | boolean | null)}`);
}

/** The overrides as continuation lines of a command. */
export function renderOverrides(overrides: Overrides): { flag: string; values: Word[] }[] {
  return [...overrides].map(([key, value]) => ({ flag: renderWord(overrideWord(key, value)), values: [] }));
}

/**
 * The scripts put runtime paths inside single quotes of the trainer's override grammar:
 * a quote in one of them would end the value early.
 */
export const NO_QUOTES_IN_PATHS =
  'case "${BUNDLE_DIR}${DATA_ROOT}${OUTPUT_DIR}" in *"\'"*) echo "error: BUNDLE_DIR, DATA_ROOT and OUTPUT_DIR must not contain a single quote (the trainer\'s config overrides quote paths with it)" >&2; exit 2;; esac';
