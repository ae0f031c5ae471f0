import { finalPathOf } from "./temp-files.js";

/**
 * The errors of the project: one base class, `FacialR1Error`, with a stable `code` callers can
 * switch on, and subclasses where callers branch (`instanceof`). `code` also decides the CLI's
 * exit code: `invalid_input` (bad arguments, files or configs the user can fix) exits 2,
 * everything else exits 1.
 */
export type ErrorCode =
  | "invalid_input"
  | "failure"
  | "not_found"
  | "remote"
  | "interrupted"
  | "aborted"
  | "trainer_contract"
  | "internal";

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

/** Bad arguments, files or configs the user can fix (`code` "invalid_input"). */
export class InvalidInputError extends FacialR1Error {
  constructor(message: string, location: Location = {}) {
    super("invalid_input", message, location);
    this.name = "InvalidInputError";
  }
}

/** What went wrong with a remote service, as far as a caller decides what to do next. */
export type RemoteErrorKind = "auth" | "unreachable" | "not_found" | "rate_limit" | "server" | "timeout" | "connection" | "malformed" | "bad_request";

/**
 * A call to a remote service (an OpenAI-compatible endpoint, the Hugging Face Hub) that failed
 * after its retries (`code` "remote"). `fatal` kinds (bad key, no server, unknown model) end a
 * whole run; the others fail one request.
 */
export class RemoteError extends FacialR1Error {
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super("remote", message);
    this.name = "RemoteError";
  }

  get fatal(): boolean {
    return this.kind === "auth" || this.kind === "unreachable" || this.kind === "not_found";
  }

  get retriable(): boolean {
    return !this.fatal && this.kind !== "bad_request";
  }
}

/**
 * Something the target trainer would refuse or crash on (`code` "trainer_contract"): the plan
 * stops here rather than on the cluster.
 */
export class TrainerContractError extends FacialR1Error {
  constructor(message: string, location: Location = {}) {
    super("trainer_contract", message, location);
    this.name = "TrainerContractError";
  }
}

/** The caller's AbortSignal fired (`code` "aborted"); what was done so far is kept. */
export class AbortedError extends FacialR1Error {
  constructor(message = "aborted") {
    super("aborted", message);
    this.name = "AbortedError";
  }
}

export function invalidInput(message: string, location: Location = {}): InvalidInputError {
  return new InvalidInputError(message, location);
}

export function failure(message: string, location: Location = {}): FacialR1Error {
  return new FacialR1Error("failure", message, location);
}

/** A broken internal invariant: a bug to report, never the user's input. */
export function internalError(message: string): FacialR1Error {
  return new FacialR1Error("internal", `internal error: ${message}`);
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

/** Plain words for the system errors a user can act on; the code stays in brackets. */
const SYSTEM_ERRORS: Record<string, string> = {
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "is a folder, not a file",
  EEXIST: "already exists",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many open files",
  EIO: "input/output error",
  EBUSY: "the file is busy",
  ETXTBSY: "the file is busy",
  ELOOP: "too many symbolic links",
};

const SYSCALL_VERBS: Record<string, string> = {
  open: "cannot open",
  write: "cannot write",
  read: "cannot read",
  mkdir: "cannot create the folder",
  rename: "cannot move into place",
  unlink: "cannot remove",
  rm: "cannot remove",
  rmdir: "cannot remove",
  scandir: "cannot list",
  stat: "cannot read",
  lstat: "cannot read",
  copyfile: "cannot copy",
  link: "cannot link",
  symlink: "cannot link",
  chmod: "cannot change the mode of",
  utime: "cannot change the time of",
};

/**
 * A Node system error (`EROFS: read-only file system, open '/x'`) as one line in plain words,
 * `/x: cannot open: the file system is read-only (EROFS)`; undefined for other errors.
 */
export function describeSystemError(err: unknown): string | undefined {
  const reason = systemErrorReason(err);
  if (reason === undefined) return undefined;
  const e = err as NodeJS.ErrnoException;
  const verb = SYSCALL_VERBS[e.syscall!] ?? `${e.syscall} failed`;
  // A temporary written before an atomic rename is named as the file the user asked for.
  return `${e.path ? `${finalPathOf(e.path)}: ` : ""}${verb}: ${reason}`;
}

/** Just the reason of a Node system error, `no space left on the device (ENOSPC)`. */
export function systemErrorReason(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== "string" || typeof e.syscall !== "string") return undefined;
  const words = SYSTEM_ERRORS[e.code];
  return words === undefined ? undefined : `${words} (${e.code})`;
}

/** Why an operation failed, in plain words: a system error's reason, else the error's message. */
export function reasonOf(err: unknown): string {
  return systemErrorReason(err) ?? errorMessage(err);
}

/** The one way to say why a file could not be read: missing, a folder, or the system's reason. */
export function unreadableReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory, expected a file";
  return `cannot read: ${reasonOf(err)}`;
}
