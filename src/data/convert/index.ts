import { invalidInput } from "../../util/errors.js";
import { affectnet } from "./affectnet.js";
import { bp4d } from "./bp4d.js";
import { disfa } from "./disfa.js";
import { fea20k } from "./fea20k.js";
import { fer2013 } from "./fer2013.js";
import { rafau } from "./rafau.js";
import { rafdb } from "./rafdb.js";
import { runConversion, type ConvertParams, type ConvertSummary } from "./run.js";
import type { ConvertOptions, Converter } from "./types.js";
import type { ConverterName } from "./names.js";

export type { ConvertOptions, Converter, Outcome, ImageJob } from "./types.js";
export type { ConvertSummary } from "./run.js";
export { CONVERTER_NAMES, type ConverterName } from "./names.js";

/** Every source `--from` accepts, one module each: exactly the names of CONVERTER_NAMES (names.ts). */
const CONVERTERS_BY_NAME = { fer2013, rafdb, affectnet, disfa, bp4d, rafau, fea20k } satisfies Record<ConverterName, Converter>;
export const CONVERTERS: Readonly<Record<string, Converter>> = CONVERTERS_BY_NAME;

export function converterFor(name: string): Converter {
  const converter = CONVERTERS[name];
  if (!converter) throw invalidInput(`--from: unknown source "${name}"; choose one of ${Object.keys(CONVERTERS).join(", ")}`);
  return converter;
}

/**
 * Converts one source to Facial-R1 JSONL. `given` names the options the user set explicitly:
 * an option the converter does not read is an error rather than silently ignored.
 */
export async function convertDataset(
  params: Omit<ConvertParams, "converter"> & { from: string; given?: readonly (keyof ConvertOptions)[] },
): Promise<ConvertSummary> {
  const converter = converterFor(params.from);
  const ignored = (params.given ?? []).filter((name) => name !== "input" && !converter.accepts.includes(name));
  if (ignored.length > 0) {
    throw invalidInput(`--from ${converter.name} does not use ${ignored.map(optionFlag).join(", ")}`);
  }
  const missing = (converter.requires ?? []).filter((name) => params.options[name] === undefined);
  if (missing.length > 0) throw invalidInput(`--from ${converter.name} needs ${missing.map(optionFlag).join(", ")}`);
  return runConversion({ ...params, converter });
}

/** The CLI flag of an option key: `imageTemplate` -> `--image-template`. */
export function optionFlag(name: keyof ConvertOptions): string {
  const special: Partial<Record<keyof ConvertOptions, string>> = { imageDirs: "--image-dir", normalizeLabels: "--keep-labels" };
  return special[name] ?? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
