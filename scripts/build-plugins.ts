// Writes the default build of every reward plugin target into plugins/<target>/ (checked in).
//
//   node --import tsx scripts/build-plugins.ts [--check]
//
// --check writes nothing and exits 1 when a checked-in file differs from a fresh render.
import { readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PLUGIN_TARGETS, buildPlugin, renderPlugin } from "../src/plugins/index.js";
import { DEFAULT_REWARD_SPEC } from "../src/schema/reward-spec.js";

export const PLUGINS_DIR = join(resolve(import.meta.dirname, ".."), "plugins");

/** Checked-in files that differ from (or are missing against) a fresh default build. */
export function stalePluginFiles(): string[] {
  const stale: string[] = [];
  for (const target of PLUGIN_TARGETS) {
    for (const file of renderPlugin(target, DEFAULT_REWARD_SPEC)) {
      const path = join(PLUGINS_DIR, target, file.path);
      if (!existsSync(path) || readFileSync(path, "utf8") !== file.content) stale.push(path);
    }
  }
  return stale;
}

async function main(): Promise<void> {
  if (process.argv.includes("--check")) {
    const stale = stalePluginFiles();
    for (const path of stale) console.error(`stale: ${path}`);
    if (stale.length > 0) {
      console.error("run: node --import tsx scripts/build-plugins.ts");
      process.exit(1);
    }
    return;
  }
  for (const target of PLUGIN_TARGETS) {
    for (const path of await buildPlugin({ target, spec: DEFAULT_REWARD_SPEC, outDir: join(PLUGINS_DIR, target) })) console.error(`wrote ${path}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
