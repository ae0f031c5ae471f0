import { invalidInput } from "../util/errors.js";

/**
 * Empty input is an error unless the caller asks for empty outputs: writing them would
 * replace the outputs of an earlier run with nothing. Call it before anything is renamed
 * into place.
 */
export function refuseEmptyInput(params: { records: number; read: number; files: readonly string[]; allowEmpty?: boolean; what?: string; outcome?: string }): void {
  if (params.records > 0 || params.allowEmpty) return;
  const what = params.what ?? "valid record";
  const lines = params.read === 0 ? "the input is empty" : `none of its ${params.read} line(s) is one`;
  throw invalidInput(`no ${what} in ${params.files.join(", ")} (${lines}); ${params.outcome ?? WRITES_NOTHING}`);
}

const WRITES_NOTHING = "nothing written, existing outputs left unchanged (--allow-empty writes empty outputs)";

/** The outcome of a command that would send each record to a server: it stops before the first request. */
export const SENDS_NOTHING = "nothing sent, existing outputs left unchanged";
