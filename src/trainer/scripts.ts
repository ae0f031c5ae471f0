import type { RunConfig } from "../schema/run-config.js";
import { accelerateFileName } from "./accelerate.js";
import { trainerArgs, type ArgPaths } from "./args.js";
import { deepspeedFileName } from "./deepspeed.js";
import { HARDWARE_PROFILES, isLora } from "./hardware.js";
import { absolutize, dataPathWord, outputDirWord, scriptHeader, shardName, trainScriptPrelude, type ScriptContext } from "./script-prelude.js";
import { join, lit, renderCommand, renderDefaultAssignment, renderWord, shellQuote, trusted, variable, type Word } from "../util/shell.js";

/** The training script: GRPO through torchrun, SFT through accelerate. */
export function renderTrainScript(config: RunConfig, ctx: ScriptContext, options: { grpoEntry: "trainer" | "launcher" }): string {
  const profile = HARDWARE_PROFILES[config.hardware.profile];
  const lora = isLora(config, profile.lora);
  const bundle = variable("BUNDLE_DIR");
  const paths: ArgPaths = {
    model: ctx.modelIsLocal ? dataPathWord(config.model.path) : lit(config.model.path),
    outputDir: variable("OUTPUT_DIR"),
    deepspeedConfig: join(bundle, `/deepspeed/${deepspeedFileName(config.training.deepspeed)}`),
    dataFiles: config.datasets.map((d) => join(bundle, `/data/${shardName(d)}`)),
    imageFolders: config.datasets.map((d) => dataPathWord(d.images)),
    sftDatasets: join(variable("OUTPUT_DIR"), `/${SFT_DATASETS_FILE}`),
    imageRoot: variable("DATA_ROOT"),
  };
  const args = trainerArgs(config, paths, { lora });
  const lines = [
    ...trainScriptPrelude(config, ctx, config.stage === "sft" ? "Stage 1: supervised fine-tuning (accelerate + DeepSpeed)." : `Stage ${config.stage === "grpo" ? 2 : 3}: GRPO (torchrun + DeepSpeed).`),
    "",
    '# The trainer reads open_r1/configs/config.json relative to this directory.',
    'cd "${TRAINER_HOME}/src/open-r1-multimodal/src"',
  ];
  if (config.trainer.target === "facial-r1") lines.push(...installForkConfig());
  // open_r1 resolves from this directory even where the trainer is not pip-installed.
  lines.push('export PYTHONPATH="${BUNDLE_DIR}/plugin:${PWD}${PYTHONPATH:+:${PYTHONPATH}}"');
  if (config.stage === "sft") {
    lines.push(...writeSftDatasets(config), "");
    // The fork's sft.py reads FEA records itself; upstream's is written for bounding-box data,
    // so VLM-R1 runs it through the emitted launcher.
    const entry = config.trainer.target === "facial-r1" ? lit("open_r1/sft.py") : join(bundle, "/plugin/train_sft.py");
    const command: Word[] = [
      lit("accelerate"),
      lit("launch"),
      join("--config_file=", bundle, `/accelerate/${accelerateFileName(config.training.deepspeed)}`),
      // The same DeepSpeed JSON as GRPO runs (it carries the optimizer block ZeRO-Offload needs).
      join("--deepspeed_config_file=", bundle, `/deepspeed/${deepspeedFileName(config.training.deepspeed)}`),
      join("--num_machines=", variable("NNODES")),
      trusted('--num_processes="$((NNODES * GPUS_PER_NODE))"'),
      join("--machine_rank=", variable("NODE_RANK")),
      join("--main_process_ip=", variable("MASTER_ADDR")),
      join("--main_process_port=", variable("MASTER_PORT")),
      entry,
    ];
    lines.push(renderCommand(command, args));
  } else {
    const entry = options.grpoEntry === "launcher" ? join(bundle, "/plugin/train_grpo.py") : lit("open_r1/grpo_jsonl.py");
    lines.push("");
    const command: Word[] = [
      lit("torchrun"),
      join("--nproc_per_node=", variable("GPUS_PER_NODE")),
      join("--nnodes=", variable("NNODES")),
      join("--node_rank=", variable("NODE_RANK")),
      join("--master_addr=", variable("MASTER_ADDR")),
      join("--master_port=", variable("MASTER_PORT")),
      entry,
    ];
    lines.push(renderCommand(command, args));
  }
  lines.push("", `echo "training finished: \${OUTPUT_DIR}" >&2`, "");
  return lines.join("\n");
}

/** Where the fork keeps its per-file frequency map, relative to the script's working directory. */
const FORK_CONFIGS = "open_r1/configs";
/** The fork's own config.json, saved the first time a bundle replaces it. */
export const FORK_CONFIG_BACKUP = "config.json.before-facial-r1";
/** A copy of the config.json facial-r1 installed last: tells ours from anyone else's. */
const FORK_CONFIG_MARKER = "config.json.facial-r1";

function installForkConfig(): string[] {
  return [
    "# The fork looks each data file up by basename in open_r1/configs/config.json: install the bundle's.",
    `# A config.json that facial-r1 did not install (the fork's own, or one edited since) is kept first, as ${FORK_CONFIG_BACKUP}`,
    "# (or .1, .2, ... when that name holds another); restore_trainer_config.sh puts the fork's own back.",
    `configs=${FORK_CONFIGS}`,
    'mkdir -p "${configs}"',
    `if [ -f "\${configs}/config.json" ] && ! cmp -s "\${configs}/config.json" "\${configs}/${FORK_CONFIG_MARKER}"; then`,
    `  backup="\${configs}/${FORK_CONFIG_BACKUP}"`,
    "  n=1",
    '  while [ -e "${backup}" ] && ! cmp -s "${configs}/config.json" "${backup}"; do',
    `    backup="\${configs}/${FORK_CONFIG_BACKUP}.\${n}"`,
    "    n=$((n + 1))",
    "  done",
    '  [ -e "${backup}" ] || cp -p "${configs}/config.json" "${backup}"',
    "fi",
    'cp "${BUNDLE_DIR}/data/config.json" "${configs}/config.json"',
    `cp "\${BUNDLE_DIR}/data/config.json" "\${configs}/${FORK_CONFIG_MARKER}"`,
  ];
}

/** restore_trainer_config.sh: the fork's own config.json back in place, unless someone changed it since. */
export function renderRestoreConfigScript(config: RunConfig, ctx: ScriptContext): string {
  return [
    "#!/usr/bin/env bash",
    "# Puts the Facial-R1 fork's own open_r1/configs/config.json back: the file that the bundle's",
    `# training script saved as ${FORK_CONFIG_BACKUP} when it first installed a bundle's frequency map.`,
    `# Generated by facial-r1 ${ctx.toolVersion} from ${ctx.configLabel.replace(/[\r\n]/g, " ")}.`,
    "set -euo pipefail",
    renderDefaultAssignment("TRAINER_HOME", lit(config.trainer.home)),
    `configs="\${TRAINER_HOME}/src/open-r1-multimodal/src/${FORK_CONFIGS}"`,
    `if [ ! -f "\${configs}/${FORK_CONFIG_BACKUP}" ]; then`,
    `  echo "nothing to restore: \${configs}/${FORK_CONFIG_BACKUP} does not exist" >&2`,
    "  exit 1",
    "fi",
    `if [ -f "\${configs}/config.json" ] && ! cmp -s "\${configs}/config.json" "\${configs}/${FORK_CONFIG_MARKER}"; then`,
    '  echo "error: ${configs}/config.json was changed after facial-r1 installed it; it is left as it is" >&2',
    "  exit 1",
    "fi",
    `mv "\${configs}/${FORK_CONFIG_BACKUP}" "\${configs}/config.json"`,
    `rm -f "\${configs}/${FORK_CONFIG_MARKER}"`,
    'echo "restored ${configs}/config.json" >&2',
    "",
  ].join("\n");
}

/** The YAML list of files sft.py reads, written into the run's own output folder (runs of one bundle never share it). */
export const SFT_DATASETS_FILE = ".sft_datasets.yaml";

/**
 * sft.py takes a YAML list of files; it is written at launch so that the bundle can move. Paths
 * are YAML single-quoted strings (a quote inside is doubled), so any folder name is safe.
 */
function writeSftDatasets(config: RunConfig): string[] {
  const lines = [
    "yaml_quote() { local s=${1//\\'/\\'\\'}; printf \"'%s'\" \"${s}\"; }",
    "{",
    "  echo 'datasets:'",
  ];
  for (const d of config.datasets) {
    lines.push(`  printf '  - json_path: %s\\n' "$(yaml_quote "\${BUNDLE_DIR}/data/"${shellQuote(shardName(d))})"`);
    // The fork reads each entry's image_root (a KeyError without it); upstream takes --image_root.
    if (config.trainer.target === "facial-r1") lines.push(`  printf '    image_root: %s\\n' "$(yaml_quote ${renderWord(dataPathWord(d.images))})"`);
    lines.push("  printf '    sampling_strategy: all\\n'");
  }
  lines.push(`} > "\${OUTPUT_DIR}/${SFT_DATASETS_FILE}"`);
  return lines;
}

/** The eval script: serve the trained model with vLLM (optional), infer on each test file, score. */
export function renderEvalScript(config: RunConfig, ctx: ScriptContext): string {
  const lines = [
    ...scriptHeader(config, ctx, "Evaluation: inference through an OpenAI-compatible server (vLLM), then facial-r1 eval score."),
    ...runEnvironmentForEval(config),
    renderDefaultAssignment("FACIAL_R1", lit("facial-r1")),
    renderDefaultAssignment("ENDPOINT", lit("http://127.0.0.1:8000/v1")),
    renderDefaultAssignment("SERVED_MODEL", lit(config.name)),
    renderDefaultAssignment("EVAL_DIR", join(variable("OUTPUT_DIR"), "/eval")),
    'mkdir -p "${EVAL_DIR}"',
    "# OPENAI_API_KEY is read from the environment by facial-r1; vLLM accepts any value.",
    'export OPENAI_API_KEY="${OPENAI_API_KEY:-EMPTY}"',
    'if [ "${START_VLLM:-0}" = 1 ]; then',
    '  vllm serve "${MODEL_DIR}" --served-model-name "${SERVED_MODEL}" --port "${VLLM_PORT:-8000}" &',
    "  VLLM_PID=$!",
    '  trap \'kill "${VLLM_PID}"\' EXIT',
    '  until curl -sf "${ENDPOINT%/v1}/health" >/dev/null; do sleep 5; done',
    "fi",
  ];
  if (config.eval.datasets.length === 0) lines.push('echo "no eval datasets in the run config (eval.datasets)" >&2');
  for (const d of config.eval.datasets) {
    const name = shardName(d);
    const dataset = join(variable("BUNDLE_DIR"), `/eval/${name}`);
    const predictions = join(variable("EVAL_DIR"), `/${name.replace(/\.jsonl$/i, "")}.predictions.jsonl`);
    const report = join(variable("EVAL_DIR"), `/${name.replace(/\.jsonl$/i, "")}.scores.json`);
    lines.push(
      "",
      renderCommand(
        [variable("FACIAL_R1"), lit("eval"), lit("infer")],
        [
          { flag: "--dataset", values: [dataset] },
          { flag: "--images", values: [dataPathWord(d.images)] },
          { flag: "--endpoint", values: [variable("ENDPOINT")] },
          { flag: "--model", values: [variable("SERVED_MODEL")] },
          { flag: "--prompt", values: [lit(config.stage === "sft" ? "sft" : "grpo")] },
          { flag: "--out", values: [predictions] },
        ],
      ),
      `${renderCommand(
        [variable("FACIAL_R1"), lit("eval"), lit("score")],
        [
          { flag: "--dataset", values: [dataset] },
          { flag: "--predictions", values: [predictions] },
          { flag: "--protocol", values: [lit("facial-r1")] },
          { flag: "--json", values: [] },
        ],
      )} > ${renderWord(report)}`,
    );
  }
  lines.push("", 'echo "eval finished: ${EVAL_DIR}" >&2', "");
  return lines.join("\n");
}

function runEnvironmentForEval(config: RunConfig): string[] {
  return [renderDefaultAssignment("OUTPUT_DIR", outputDirWord(config)), ...absolutize("OUTPUT_DIR"), renderDefaultAssignment("MODEL_DIR", variable("OUTPUT_DIR"))];
}

/** Script name for a config in run_scripts/ and in the bundle. */
export function trainScriptName(config: RunConfig): string {
  return config.stage === "sft" ? "sft.sh" : "grpo.sh";
}

