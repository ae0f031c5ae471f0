import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import assert from "node:assert/strict";
import { ROOT, runCli } from "../helpers/cli.js";

/** The mirror of OpenRLHF's repository `fetch` brings (absent on most machines). */
export const OPENRLHF_MIRROR = "/work/.mirror/OpenRLHF+OpenRLHF/repo";
export const STAND_IN_OPENRLHF = join(ROOT, "tests", "stand-in", "openrlhf");

/**
 * The quickstart config with trainer.target openrlhf (absolute sample paths), plus `training`
 * lines appended to its last block and `replace` edits applied.
 */
export async function openRlhfConfig(dir: string, options: { training?: string[]; replace?: [string, string][]; name?: string } = {}): Promise<string> {
  let text = await readFile(join(ROOT, "configs", "quickstart.yaml"), "utf8");
  assert.match(text, /\ntraining:\n( {2}.*\n)*$/, "training: is the last block of the quickstart config");
  text = text.replaceAll("../samples/", `${join(ROOT, "samples")}/`).replace("target: facial-r1", "target: openrlhf").replace(/\n {2}drop_empty_aus: true\n/, "\n");
  for (const [from, to] of options.replace ?? []) {
    assert.ok(text.includes(from), `quickstart has ${from}`);
    text = text.replace(from, to);
  }
  text += (options.training ?? []).map((line) => `  ${line}\n`).join("");
  const file = join(dir, `${options.name ?? "openrlhf"}.yaml`);
  await writeFile(file, text);
  return file;
}

export async function planOpenRlhf(config: string, out: string): Promise<void> {
  const planned = await runCli(["plan", config, "--out", out]);
  assert.equal(planned.code, 0, planned.stderr);
}

/** The words of train.sh's TRAIN=( ... ) array, one entry per line. */
export function trainArrayLines(script: string): string[] {
  const match = /\nTRAIN=\(\n([\s\S]*?)\n\)\n/.exec(script);
  assert.ok(match, "train.sh defines TRAIN=( ... )");
  return match[1].split("\n").map((l) => l.trim());
}
