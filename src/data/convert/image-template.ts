import { invalidInput } from "../../util/errors.js";

/**
 * Frame image names for video datasets (DISFA, BP4D), whose label files only give frame
 * numbers. Placeholders: `{subject}`, `{task}`, `{frame}` (as in the label file), `{frame0}`
 * (frame - 1, for zero-based extractions); a width pads with zeros: `{frame:05}`.
 */
export type TemplateValues = Record<string, string | number>;

const PLACEHOLDER = /\{([a-z0-9]+)(?::0?(\d+))?\}/g;

export function checkTemplate(template: string, allowed: readonly string[]): void {
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(match[1])) {
      throw invalidInput(`--image-template: unknown placeholder {${match[1]}}; use ${allowed.map((a) => `{${a}}`).join(", ")}`);
    }
  }
  if (template.replace(PLACEHOLDER, "").includes("{")) throw invalidInput(`--image-template: malformed placeholder in "${template}"`);
}

export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_all, name: string, width: string | undefined) => {
    const value = String(values[name]);
    return width ? value.padStart(Number(width), "0") : value;
  });
}
