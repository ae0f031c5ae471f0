import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { ROOT, runCli } from "../helpers/cli.js";

export const SAMPLE = join(ROOT, "samples", "fea-sample");

/** The quickstart run config with trainer.target trl, absolute sample paths and `training` / other blocks merged in. */
export function trlConfig(overrides: { training?: Record<string, unknown>; trainer?: Record<string, unknown>; [key: string]: unknown } = {}): Record<string, unknown> {
  const { training, trainer, ...rest } = overrides;
  return {
    name: "quickstart",
    stage: "grpo",
    model: { path: "Qwen/Qwen2.5-VL-3B-Instruct" },
    trainer: { target: "trl", ...trainer },
    datasets: [{ file: join(SAMPLE, "train.jsonl"), images: join(SAMPLE, "images") }],
    eval: { datasets: [{ file: join(SAMPLE, "test.jsonl"), images: join(SAMPLE, "images") }] },
    training: { epochs: 1, gradient_accumulation: 2, ...training },
    ...rest,
  };
}

/** The quickstart config file itself with the target switched, as a user would edit it. */
export async function quickstartForTrl(dir: string): Promise<string> {
  const text = await readFile(join(ROOT, "configs", "quickstart.yaml"), "utf8");
  const switched = text.replace("target: facial-r1", "target: trl").replace(/\n\s*drop_empty_aus: true/, "").replaceAll("../samples/", `${join(ROOT, "samples")}/`);
  assert.match(switched, /target: trl/);
  const file = join(dir, "quickstart-trl.yaml");
  await writeFile(file, switched);
  return file;
}

export async function writeConfig(dir: string, name: string, config: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify(config));
  return file;
}

export async function plan(config: string, out: string): Promise<void> {
  const planned = await runCli(["plan", config, "--out", out]);
  assert.equal(planned.code, 0, planned.stderr);
}
