/**
 * The one error type of the project. `code` decides the process exit code:
 * `invalid_input` (bad arguments, files or configs the user can fix) exits 2,
 * everything else exits 1.
 */
export type ErrorCode = "invalid_input" | "failure" | "not_found" | "remote" | "interrupted";

export interface Location {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

export class FacialR1Error extends Error {
  readonly code: ErrorCode;
  readonly location: Location;

  constructor(code: ErrorCode, message: string, location: Location = {}) {
    super(message);
    this.name = "FacialR1Error";
    this.code = code;
    this.location = location;
  }

  get exitCode(): 1 | 2 {
    return this.code === "invalid_input" ? 2 : 1;
  }

  /** `file:line: field: message`, leaving out the parts that are unknown. */
  override toString(): string {
    return formatProblem({ ...this.location, message: this.message });
  }
}

export function invalidInput(message: string, location: Location = {}): FacialR1Error {
  return new FacialR1Error("invalid_input", message, location);
}

export function failure(message: string, location: Location = {}): FacialR1Error {
  return new FacialR1Error("failure", message, location);
}

export type Severity = "error" | "warning";

/** One finding about one place in the input; the unit of every report. */
export interface Problem extends Location {
  message: string;
  severity?: Severity;
  /** A suggested replacement the user (or `--fix`) can apply. */
  fix?: string;
}

export function formatProblem(p: Problem): string {
  let where = p.file ?? "";
  if (p.line !== undefined) where += `${where ? ":" : "line "}${p.line}`;
  if (p.column !== undefined) where += `:${p.column}`;
  const parts = [where, p.field, p.message].filter((s): s is string => Boolean(s));
  const text = parts.join(": ");
  return p.fix !== undefined ? `${text} (fix: ${p.fix})` : text;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
