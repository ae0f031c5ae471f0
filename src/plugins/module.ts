import type { RewardSpec } from "../schema/reward-spec.js";
import { stableStringify } from "../util/fs.js";
import { generatedHeader, renderPythonCore } from "./python-core.js";
import type { PluginTarget } from "./targets.js";

export interface PluginFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

/** The spec as one ASCII JSON line, for the header of a generated module. */
export function specComment(spec: RewardSpec): string {
  const json = stableStringify(spec, 0).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `# Reward spec: ${json}`;
}

/** A self-contained rewards module: header, docstring, the scoring core, then the target's parts. */
export function rewardsModule(params: { target: PluginTarget; spec: RewardSpec; docstring: string; parts: string[] }): string {
  const { target, spec, docstring, parts } = params;
  const body = [
    `${generatedHeader(target, "Facial-R1 verifiable rewards (format, accuracy, AU).")}\n${specComment(spec)}\n"""${docstring.trim()}\n"""`,
    renderPythonCore(spec).trimEnd(),
    ...parts.map((p) => p.trim()),
  ].join("\n\n\n");
  return `${body}\n`;
}
