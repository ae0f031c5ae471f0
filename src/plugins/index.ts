import { join, resolve } from "node:path";
import { writeFileAtomic } from "../util/fs.js";
import { invalidInput } from "../util/errors.js";
import { RewardSpecSchema, type RewardSpec } from "../schema/reward-spec.js";
import type { PluginFile } from "./module.js";
import { renderVlmR1 } from "./vlm-r1.js";
import { renderFacialR1 } from "./facial-r1.js";
import { renderTrl } from "./trl.js";
import { renderVerl } from "./verl.js";
import { renderEasyR1 } from "./easyr1.js";
import { renderOpenRlhf } from "./openrlhf.js";
import { PLUGIN_TARGETS, type PluginTarget } from "./targets.js";

export type { PluginFile } from "./module.js";
export { PLUGIN_TARGETS, type PluginTarget } from "./targets.js";

const RENDERERS: Record<PluginTarget, (spec: RewardSpec) => PluginFile[]> = {
  "vlm-r1": renderVlmR1,
  "facial-r1": renderFacialR1,
  trl: renderTrl,
  verl: renderVerl,
  easyr1: renderEasyR1,
  openrlhf: renderOpenRlhf,
};

export function isPluginTarget(name: string): name is PluginTarget {
  return (PLUGIN_TARGETS as readonly string[]).includes(name);
}

/** The files of one target's plugin for a spec (pure; byte-stable; paths relative to the out dir). */
export function renderPlugin(target: PluginTarget, spec: RewardSpec): PluginFile[] {
  if (!isPluginTarget(target)) throw invalidInput(`unknown plugin target "${String(target)}"; expected one of ${PLUGIN_TARGETS.join(", ")}`);
  return RENDERERS[target](RewardSpecSchema.parse(spec));
}

/** Writes the plugin files atomically into outDir; returns the written paths. */
export async function buildPlugin(params: { target: PluginTarget; spec: RewardSpec; outDir: string }): Promise<string[]> {
  return writePluginFiles(params.outDir, renderPlugin(params.target, params.spec));
}

/** Writes rendered plugin files atomically into outDir; returns their paths. */
export async function writePluginFiles(outDir: string, files: readonly PluginFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = join(resolve(outDir), file.path);
    await writeFileAtomic(path, file.content);
    written.push(path);
  }
  return written;
}
