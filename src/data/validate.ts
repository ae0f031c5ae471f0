import { stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Sample } from "../schema/sample.js";
import { imagesOf } from "../schema/sample.js";
import { FacialR1Error, formatProblem, invalidInput, type Problem, unreadableReason } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { IdRegistry } from "./id-registry.js";
import { ImageChecker, type ImageCheck, type ImageSummary } from "./images.js";
import { JsonlWriter, readJsonlBatches, type JsonlValue } from "./jsonl.js";
import { checkRecord, idKey } from "./record-check.js";

/**
 * `data validate`: every line of every file ends up valid or rejected with its reasons
 * (read = valid + rejected). Checks the record schema, AU spelling, label vocabulary,
 * unknown fields, ids repeated across all files and, with `imagesDir`, every image.
 *
 * Outputs:
 * - `rejectsPath`: one JSON line per rejected line, in input order:
 *   `{"file", "line", "reasons": ["file:line: field: message", ...], "text": "<original line>"}`;
 *   lines that are not valid UTF-8 carry `"raw_base64"` instead of `"text"`, over-long lines
 *   only `"bytes"`.
 * - `imageReportPath` (with `imagesDir`): one JSON line per image that passed, in input order:
 *   `{"file", "line", "image", "format", "width", "height", "bytes"}`.
 * - `fix`: for each input `X.jsonl`, a new file `X.fixed.jsonl` next to it (written to a
 *   temporary file and renamed into place) holding the valid records in input order, fixes
 *   applied; records that needed no fix are copied byte for byte. The input is never touched.
 *
 * Exit code: 0 all valid, 1 some lines rejected, 2 nothing valid read, an input file that
 * cannot be read, or `strict` with any problem (warnings included).
 */
export interface ValidateParams {
  files: string[];
  imagesDir?: string;
  rejectsPath?: string;
  /** With `imagesDir`: where to write the format and dimensions of every good image (JSONL). */
  imageReportPath?: string;
  fix?: boolean;
  strict?: boolean;
  onProblem?: (p: Problem) => void;
  /** Image files checked at the same time (default 16). */
  imageConcurrency?: number;
  /** Progress lines on stderr (default true; FACIAL_R1_QUIET silences them). */
  progress?: boolean;
  /**
   * Memory for duplicate-id detection before it spills to temporary files (default 16 MiB;
   * FACIAL_R1_ID_MEMORY_BYTES overrides it, for tests of the spilled path).
   */
  idMemoryBytes?: number;
}

export interface Counts {
  read: number;
  valid: number;
  rejected: number;
  warnings: number;
  /** Valid records that --fix changed. */
  fixed: number;
}

export interface FileReport extends Counts {
  file: string;
  /** Why the file could not be read (it then counts what was read before). */
  error?: string;
  /** Where --fix wrote the valid, fixed records. */
  fixedPath?: string;
}

export interface ValidationReport {
  files: FileReport[];
  /** `errors`: problems that rejected a line or a file (a rejected line may have several). */
  total: Counts & { errors: number };
  images?: ImageSummary;
  rejectsPath?: string;
  imageReportPath?: string;
  exitCode: 0 | 1 | 2;
}

/** Records whose image checks may be in flight at once (keeps output in input order). */
const IMAGE_WINDOW = 256;

/** Progress lines for files big enough to take a while; small files stay quiet. */
export async function fileProgress(label: string, file: string, enabled: boolean): Promise<Progress> {
  const size = enabled ? await stat(file).then((s) => s.size, () => 0) : 0;
  return new Progress({ label, unit: "records", enabled: size >= 64 * 1024 * 1024 });
}

export function fixedPathFor(file: string): string {
  const name = basename(file);
  const stem = name.endsWith(".jsonl") ? name.slice(0, -".jsonl".length) : name;
  return join(dirname(file), `${stem}.fixed.jsonl`);
}

export async function validateFiles(params: ValidateParams): Promise<ValidationReport> {
  if (params.files.length === 0) throw invalidInput("no input files given");
  if (params.imageReportPath !== undefined && params.imagesDir === undefined) throw invalidInput("an image report needs an image folder (--images)");
  assertNoOverwrite(params);
  const checker = params.imagesDir === undefined ? undefined : new ImageChecker({ root: params.imagesDir, concurrency: params.imageConcurrency });
  await checker?.assertRoot();

  const run = new ValidationRun(params, checker);
  let nothingRead = false;
  const rejects = params.rejectsPath === undefined ? undefined : new JsonlWriter(params.rejectsPath);
  const imageReport = checker && params.imageReportPath !== undefined ? new JsonlWriter(params.imageReportPath) : undefined;
  run.rejects = rejects;
  run.imageReport = imageReport;
  try {
    for (let i = 0; i < params.files.length; i++) await run.validateFile(params.files[i], i);
    // Nothing read (empty or unreadable inputs): an earlier run's reports stay as they were.
    nothingRead = run.reports.every((f) => f.read === 0);
    await (nothingRead ? rejects?.abort() : rejects?.close());
    await (nothingRead ? imageReport?.abort() : imageReport?.close());
  } catch (err) {
    await rejects?.abort();
    await imageReport?.abort();
    throw err;
  } finally {
    run.ids.close();
  }

  const total = { read: 0, valid: 0, rejected: 0, warnings: 0, fixed: 0, errors: run.errors };
  for (const f of run.reports) {
    total.read += f.read;
    total.valid += f.valid;
    total.rejected += f.rejected;
    total.warnings += f.warnings;
    total.fixed += f.fixed;
  }
  const unreadable = run.reports.some((f) => f.error !== undefined);
  const anyProblem = total.errors > 0 || total.warnings > 0;
  const exitCode = total.valid === 0 || unreadable || (params.strict === true && anyProblem) ? 2 : total.rejected > 0 ? 1 : 0;
  return {
    files: run.reports,
    total,
    ...(checker ? { images: checker.summary() } : {}),
    ...(params.rejectsPath === undefined || nothingRead ? {} : { rejectsPath: params.rejectsPath }),
    ...(imageReport === undefined || nothingRead ? {} : { imageReportPath: imageReport.path }),
    exitCode,
  };
}

function assertNoOverwrite(params: ValidateParams): void {
  const inputs = new Set(params.files.map((f) => resolve(f)));
  for (const [what, path] of [
    ["rejects file", params.rejectsPath],
    ["image report", params.imageReportPath],
  ] as const) {
    if (path !== undefined && inputs.has(resolve(path))) throw invalidInput(`the ${what} must not be one of the input files`, { file: path });
  }
  if (params.fix) {
    for (const file of params.files) {
      if (inputs.has(resolve(fixedPathFor(file)))) {
        throw invalidInput(`--fix would write ${fixedPathFor(file)}, which is also an input file`, { file });
      }
    }
  }
}

function idMemoryFromEnv(): number | undefined {
  const value = Number(process.env.FACIAL_R1_ID_MEMORY_BYTES);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

interface Accepted {
  line: number;
  text: string;
  record: Sample;
  fixed: boolean;
  images?: Promise<ImageCheck[]>;
}

class ValidationRun {
  readonly reports: FileReport[] = [];
  readonly ids: IdRegistry;
  rejects: JsonlWriter | undefined;
  imageReport: JsonlWriter | undefined;
  errors = 0;

  constructor(
    private readonly params: ValidateParams,
    private readonly checker: ImageChecker | undefined,
  ) {
    this.ids = new IdRegistry({ memoryBytes: params.idMemoryBytes ?? idMemoryFromEnv() });
  }

  private problem(p: Problem): void {
    if (p.severity !== "warning") this.errors++;
    this.params.onProblem?.(p.severity === undefined ? { ...p, severity: "error" } : p);
  }

  async validateFile(file: string, fileIndex: number): Promise<void> {
    const report: FileReport = { file, read: 0, valid: 0, rejected: 0, warnings: 0, fixed: 0 };
    this.reports.push(report);
    const fixOut = this.params.fix ? new JsonlWriter(fixedPathFor(file)) : undefined;
    // With images, outcomes wait in this window (in input order) while their images are checked.
    const window: (() => Promise<void> | undefined)[] = [];
    const progress = await fileProgress(`validate ${basename(file)}`, file, this.params.progress ?? true);

    const reject = (line: number, problems: Problem[], original: { text?: string; raw?: Buffer; bytes?: number }): Promise<void> | undefined => {
      report.rejected++;
      for (const p of problems) this.problem(p);
      if (!this.rejects) return undefined;
      const entry: Record<string, unknown> = { file, line, reasons: problems.map(formatProblem) };
      if (original.text !== undefined) entry.text = original.text;
      else if (original.raw !== undefined) entry.raw_base64 = original.raw.toString("base64");
      else if (original.bytes !== undefined) entry.bytes = original.bytes;
      return this.rejects.write(entry);
    };

    const accept = (item: Accepted): Promise<void> | undefined => {
      report.valid++;
      if (item.fixed) report.fixed++;
      return fixOut?.writeLine(item.fixed ? JSON.stringify(item.record) : item.text);
    };

    const settle = async (item: Accepted): Promise<void> => {
      const results = item.images ? await item.images : [];
      const failed = results.filter((r): r is Extract<ImageCheck, { ok: false }> => !r.ok);
      if (failed.length === 0) {
        if (this.imageReport) {
          for (const r of results) if (r.ok) await this.imageReport.write({ file, line: item.line, image: r.image, ...r.info });
        }
        return accept(item);
      }
      const multiple = Array.isArray(item.record.image);
      const problems = failed.map((r) => ({
        file,
        line: item.line,
        field: multiple ? `image[${results.indexOf(r)}]` : "image",
        message: `${r.image}: ${r.error.message}`,
      }));
      await reject(item.line, problems, { text: item.text });
    };

    /** Runs `outcome` now, or after the outcomes of the earlier lines still waiting for images. */
    const inOrder = (outcome: () => Promise<void> | undefined): Promise<void> | undefined => {
      if (!this.checker) return outcome();
      window.push(outcome);
      return window.length >= IMAGE_WINDOW ? window.shift()!() : undefined;
    };

    const checkOptions = { fix: this.params.fix };
    const where = { file, line: 0 };
    const batches = readJsonlBatches(file);
    let readError: FacialR1Error | undefined;
    try {
      while (true) {
        let step: IteratorResult<JsonlValue[]>;
        try {
          step = await batches.next();
        } catch (err) {
          readError = err instanceof FacialR1Error ? err : new FacialR1Error("failure", unreadableReason(err), { file });
          break;
        }
        if (step.done) break;
        const batch = step.value;
        progress.tick(batch.length);
        for (let b = 0; b < batch.length; b++) {
          const item = batch[b];
          report.read++;
          let pending: Promise<void> | undefined;
          if (item.kind === "unreadable") {
            pending = inOrder(() => reject(item.line, [item.problem], item));
            if (pending) await pending;
            continue;
          }
          where.line = item.line;
          const check = checkRecord(item.value, where, checkOptions);
          if (check.warnings.length > 0) {
            for (const w of check.warnings) this.problem(w);
            report.warnings += check.warnings.length;
          }
          if (!check.ok) {
            pending = inOrder(() => reject(item.line, check.errors, item));
          } else {
            const first = this.ids.add(idKey(check.record), fileIndex, item.line);
            if (first !== undefined) {
              const seen = `${this.params.files[first.fileIndex] ?? "?"}:${first.line}`;
              const message = `duplicate id ${JSON.stringify(check.record.id)} (first seen at ${seen})`;
              pending = inOrder(() => reject(item.line, [{ file, line: item.line, field: "id", message }], item));
            } else if (!this.checker) {
              pending = accept({ line: item.line, text: item.text, record: check.record, fixed: check.fixed });
            } else {
              const checker = this.checker;
              const images = Promise.all(imagesOf(check.record).map((image) => checker.check(image)));
              pending = inOrder(() => settle({ line: item.line, text: item.text, record: check.record, fixed: check.fixed, images }));
            }
          }
          if (pending) await pending;
        }
      }
      while (window.length > 0) await window.shift()!();
    } catch (err) {
      await fixOut?.abort();
      throw err;
    } finally {
      await batches.return(undefined);
      progress.finish();
    }
    if (readError) {
      await fixOut?.abort();
      report.error = readError.message;
      this.problem({ ...readError.location, file, message: readError.message });
      return;
    }
    if (fixOut && report.valid === 0) {
      // Nothing to write: an earlier X.fixed.jsonl is left as it was.
      await fixOut.abort();
    } else if (fixOut) {
      await fixOut.close();
      report.fixedPath = fixOut.path;
    }
  }
}
