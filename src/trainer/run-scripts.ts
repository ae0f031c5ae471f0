import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { renderPlugin } from "../plugins/index.js";
import { runConfigJsonSchema } from "../schema/run-config.js";
import { VERSION } from "../version.js";
import { parseRunConfigFile } from "./config-file.js";
import { renderEvalScript, renderTrainScript } from "./scripts.js";
import { type ScriptContext } from "./script-prelude.js";
import { join as joinWords, lit, trusted } from "../util/shell.js";
import { configError } from "../util/yaml-config.js";

/**
 * The generated files checked into the repository: run_scripts/ (the scripts of every config
 * in configs/, as `facial-r1 plan` would write them into a bundle under runs/<name>/) and
 * schemas/run-config.schema.json. A test fails when they are stale.
 */

/** Script name per config file: the paper's names for the three stages. */
export const RUN_SCRIPT_NAMES: Record<string, { train: string; eval?: string }> = {
  "stage1-sft.yaml": { train: "sft_emotion.sh" },
  "stage2-grpo.yaml": { train: "grpo_emotion.sh", eval: "eval_emotion.sh" },
  "stage3-grpo-rafdb.yaml": { train: "grpo_rafdb.sh", eval: "eval_rafdb.sh" },
  "lora-1gpu.yaml": { train: "grpo_lora_1gpu.sh" },
  "quickstart.yaml": { train: "grpo_quickstart.sh", eval: "eval_quickstart.sh" },
};

const REPO_DIR = trusted('"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"');

export async function renderRepositoryFiles(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  files.set("schemas/run-config.schema.json", `${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`);
  const configs = (await readdir(join(root, "configs"))).filter((f) => f.endsWith(".yaml")).sort();
  for (const name of configs) {
    const names = RUN_SCRIPT_NAMES[name];
    if (!names) continue;
    const result = await parseRunConfigFile(join(root, "configs", name));
    if (!result.ok) throw configError(result.problems);
    const config = result.loaded.config;
    const ctx: ScriptContext = {
      bundleDirDefault: joinWords(REPO_DIR, lit(`/runs/${config.name}`)),
      dataRootDefault: joinWords(REPO_DIR, lit("/configs")),
      configLabel: `configs/${name}`,
      toolVersion: VERSION,
      modelIsLocal: false,
    };
    const grpoEntry = renderPlugin(config.trainer.target, config.rewards).some((f) => f.path === "train_grpo.py") ? "launcher" : "trainer";
    files.set(`run_scripts/${names.train}`, renderTrainScript(config, ctx, { grpoEntry }));
    if (names.eval) files.set(`run_scripts/${names.eval}`, renderEvalScript(config, ctx));
  }
  return files;
}
