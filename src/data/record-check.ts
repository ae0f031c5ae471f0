import type { z } from "zod";
import { SAMPLE_FIELDS, SampleSchema, type Sample } from "../schema/sample.js";
import { valueAt } from "../util/config-issue.js";
import { ACTION_UNITS, AU_TOKEN, auToken, canonicalAuToken } from "../taxonomy/action-units.js";
import { EMOTIONS, canonicalEmotion, isEmotion } from "../taxonomy/emotions.js";
import type { Problem } from "../util/errors.js";

/**
 * Checks one parsed JSONL value as a sample record: shape and types (the zod schema),
 * AU token spelling (`AU<n>`), labels against the unified vocabulary, unknown fields.
 *
 * Errors reject the record; warnings keep it. With `fix`, the fixable problems (AU
 * spellings, label synonyms, repeated AUs) are applied to a copy and reported as warnings.
 */
export type RecordCheck =
  | { ok: true; record: Sample; warnings: Problem[]; fixed: boolean }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

export interface RecordWhere {
  file?: string;
  line?: number;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(SAMPLE_FIELDS);
const KNOWN_AU_TOKENS: ReadonlySet<string> = new Set(Object.keys(ACTION_UNITS).map((n) => auToken(Number(n))));
const FIELDS_BY_LOWER_NAME: ReadonlyMap<string, string> = new Map(SAMPLE_FIELDS.map((f) => [f.toLowerCase(), f]));
const VOCABULARY = EMOTIONS.join(", ");

export function checkRecord(value: unknown, where: RecordWhere = {}, options: { fix?: boolean } = {}): RecordCheck {
  if (isCleanRecord(value)) return { ok: true, record: value, warnings: [], fixed: false };
  return checkRecordDetailed(value, where, options);
}

/**
 * The fast path: true exactly when the value is a valid record with nothing to warn
 * about (no unknown field, canonical and catalogued AU tokens without repeats, labels from
 * the unified vocabulary, at least one label). Must agree with `checkRecordDetailed`.
 */
export function isCleanRecord(value: unknown): value is Sample {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  const id = r.id;
  if (typeof id === "string" ? id.length === 0 : !Number.isSafeInteger(id)) return false;
  const dataset = r.dataset;
  if (typeof dataset !== "string" || dataset.length === 0) return false;
  const image = r.image;
  if (typeof image === "string") {
    if (image.length === 0) return false;
  } else {
    if (!Array.isArray(image) || image.length === 0) return false;
    for (let i = 0; i < image.length; i++) {
      const item = image[i];
      if (typeof item !== "string" || item.length === 0) return false;
    }
  }
  if (typeof r.question !== "string") return false;
  const aus = r.AUs;
  if (!Array.isArray(aus)) return false;
  for (let i = 0; i < aus.length; i++) {
    const token = aus[i];
    if (typeof token !== "string" || !KNOWN_AU_TOKENS.has(token)) return false;
    for (let j = 0; j < i; j++) if (aus[j] === token) return false;
  }
  const labels = r.labels;
  if (!Array.isArray(labels) || labels.length === 0) return false;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (typeof label !== "string" || !isEmotion(label)) return false;
  }
  if (r.description !== undefined && typeof r.description !== "string") return false;
  const meta = r.meta_info;
  if (meta !== undefined && (typeof meta !== "object" || meta === null || Array.isArray(meta))) return false;
  if (r.is_valid !== undefined && typeof r.is_valid !== "boolean") return false;
  if (r.accu_reward_method !== undefined && typeof r.accu_reward_method !== "string") return false;
  for (const key in r) if (!KNOWN_FIELDS.has(key)) return false;
  return true;
}

/** The slow path: every problem of the value, with zod's findings made readable. */
export function checkRecordDetailed(value: unknown, where: RecordWhere = {}, options: { fix?: boolean } = {}): RecordCheck {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const at = (field: string | undefined, message: string, extra: Partial<Problem> = {}): Problem => ({
    file: where.file,
    line: where.line,
    ...(field === undefined ? {} : { field }),
    message,
    ...extra,
  });

  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    errors.push(at(undefined, `a record must be a JSON object, got ${typeName(value)}`));
    return { ok: false, errors, warnings };
  }
  const record = value as Record<string, unknown>;
  const parsed = SampleSchema.safeParse(record);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(at(fieldPath(issue.path), describeIssue(issue, record)));
  }

  for (const key of Object.keys(record)) {
    if (KNOWN_FIELDS.has(key)) continue;
    const known = FIELDS_BY_LOWER_NAME.get(key.toLowerCase());
    const hint = known !== undefined && !(known in record) ? { fix: `rename to ${known}` } : {};
    warnings.push(at(key, "unknown field (kept)", { severity: "warning", ...hint }));
  }

  const fix = options.fix === true;
  let fixedAus: unknown[] | undefined;
  let fixedLabels: unknown[] | undefined;

  if (Array.isArray(record.AUs)) {
    const out: unknown[] = [];
    const seen = new Set<string>();
    record.AUs.forEach((token, i) => {
      if (typeof token !== "string") {
        out.push(token);
        return;
      }
      const field = `AUs[${i}]`;
      let canonical = token;
      if (!AU_TOKEN.test(token)) {
        const suggestion = canonicalAuToken(token);
        if (suggestion === undefined) {
          errors.push(at(field, `"${token}" is not an Action Unit token; expected AU<n>, e.g. AU4`));
        } else if (fix) {
          warnings.push(at(field, `"${token}" rewritten as ${suggestion}`, { severity: "warning", fix: suggestion }));
        } else {
          errors.push(at(field, `"${token}" must be written AU<n> without zeros or spaces`, { fix: suggestion }));
        }
        if (suggestion === undefined) {
          out.push(token);
          return;
        }
        canonical = suggestion;
      }
      if (seen.has(canonical)) {
        warnings.push(at(field, `${canonical} is listed twice${fix ? " (removed)" : ""}`, { severity: "warning", fix: "remove the repeat" }));
        return;
      }
      seen.add(canonical);
      if (canonical === token && !KNOWN_AU_TOKENS.has(token)) {
        warnings.push(at(field, `${token} is not an Action Unit of the FACS catalogue`, { severity: "warning" }));
      }
      out.push(canonical);
    });
    if (fix && (out.length !== record.AUs.length || out.some((t, i) => t !== (record.AUs as unknown[])[i]))) fixedAus = out;
  }

  if (Array.isArray(record.labels)) {
    if (record.labels.length === 0) {
      warnings.push(at("labels", "is empty; the trainer takes labels[0] as the ground truth", { severity: "warning" }));
    }
    const out = record.labels.map((label, i) => {
      if (typeof label !== "string" || isEmotion(label)) return label;
      const suggestion = canonicalEmotion(label);
      const message =
        suggestion === undefined
          ? `"${label}" is not in the unified vocabulary (${VOCABULARY})`
          : `"${label}" is not in the unified vocabulary${fix ? `; rewritten as ${suggestion}` : ""}`;
      warnings.push(at(`labels[${i}]`, message, { severity: "warning", ...(suggestion === undefined ? {} : { fix: suggestion }) }));
      return fix && suggestion !== undefined ? suggestion : label;
    });
    if (fix && out.some((l, i) => l !== (record.labels as unknown[])[i])) fixedLabels = out;
  }

  // With --fix, AU spelling errors were turned into warnings; the rest still reject.
  if (!parsed.success || errors.length > 0) return { ok: false, errors, warnings };
  if (fixedAus === undefined && fixedLabels === undefined) {
    return { ok: true, record: parsed.data, warnings, fixed: false };
  }
  const fixedRecord = { ...record } as Sample;
  if (fixedAus !== undefined) fixedRecord.AUs = fixedAus as string[];
  if (fixedLabels !== undefined) fixedRecord.labels = fixedLabels as string[];
  return { ok: true, record: fixedRecord, warnings, fixed: true };
}

/** `["AUs", 1, "x"]` → `AUs[1].x`. */
export function fieldPath(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

const UNION_EXPECTATIONS: Record<string, string> = {
  id: "a non-empty string or an integer",
  image: "a non-empty string or a non-empty list of non-empty strings",
};

/**
 * A record that failed a schema, as a finding in plain words: the first issue's field (as
 * `AUs[2]`) and what was expected and found there, not zod's wording.
 */
export function schemaProblem(error: z.ZodError, value: unknown, where: RecordWhere): Problem {
  const issue = error.issues[0];
  const field = fieldPath(issue.path);
  const message = typeof value === "object" && value !== null && !Array.isArray(value) ? describeIssue(issue, value as Record<string, unknown>) : `a record must be a JSON object, got ${typeName(value)}`;
  return { file: where.file, line: where.line, ...(field === undefined ? {} : { field }), message };
}

function describeIssue(issue: z.core.$ZodIssue, record: Record<string, unknown>): string {
  const found = valueAt(record, issue.path);
  const field = fieldPath(issue.path) ?? "";
  switch (issue.code) {
    case "invalid_type":
      if (found === undefined && issue.path.length === 1) return `required field is missing (expected ${issue.expected})`;
      return `expected ${issue.expected === "record" ? "an object" : issue.expected}, got ${typeName(found)}`;
    case "invalid_union":
      if (found === undefined && issue.path.length === 1) return `required field is missing (expected ${UNION_EXPECTATIONS[field] ?? "a value"})`;
      return `expected ${UNION_EXPECTATIONS[field] ?? "another type"}, got ${typeName(found)}`;
    case "too_small":
      return issue.origin === "array" ? "must not be an empty list" : "must not be empty";
    case "too_big":
      return issue.origin === "int" || issue.origin === "number"
        ? "integer beyond the safe range (±2^53); write the id as a string"
        : issue.message;
    default:
      return issue.message;
  }
}

/** The value at a zod issue's path inside `root`; undefined when the path leads nowhere. */

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "string") return value.length === 0 ? "an empty string" : "a string";
  if (typeof value === "object") return "an object";
  if (value === undefined) return "nothing";
  return typeof value === "boolean" ? `${value}` : typeof value;
}

/** The record's id as the key duplicates are found by (1 and "1" count as the same id). */
export function idKey(record: Pick<Sample, "id">): string {
  return typeof record.id === "string" ? record.id : String(record.id);
}
