import type { RunConfig } from "../../../schema/run-config.js";
import { accelerateFileName } from "../../accelerate.js";
import { deepspeedFileName } from "../../deepspeed.js";
import { dataPathWord, trainScriptPrelude, type ScriptContext } from "../../script-prelude.js";
import { join, lit, renderCommand, renderDefaultAssignment, trusted, variable, type Word } from "../../../util/shell.js";
import { TRL_CONFIG_FILE, TRL_ENTRY_FILE } from "./grpo-config.js";

export const TRL_TRAIN_SCRIPT = "grpo.sh";

/**
 * The train script: `accelerate launch` of the entry on every node, with the bundle's
 * accelerate and DeepSpeed configs. Server mode: node 0 first starts `trl vllm-serve` on its
 * first trainer.vllm.gpus GPUs, waits for its /health endpoint, trains on the remaining GPUs
 * and stops the server when the script exits; the trainer's main process (node 0) reaches it at
 * MASTER_ADDR. ACCELERATE_CONFIG_FILE and TRL_ARGS (extra GRPOConfig flags, split on spaces)
 * override the launch, e.g. for a CPU smoke test.
 */
export function renderTrlTrainScript(config: RunConfig, ctx: ScriptContext, shards: readonly { file: string; images: string }[]): string {
  const bundle = variable("BUNDLE_DIR");
  const vllm = config.trainer.vllm;
  const server = vllm.mode === "server";
  const model = ctx.modelIsLocal ? dataPathWord(config.model.path) : lit(config.model.path);
  const lines = [
    ...trainScriptPrelude(config, ctx, `Stage ${config.stage === "grpo" ? 2 : 3}: GRPO on TRL's GRPOTrainer (accelerate + DeepSpeed), generation with vLLM (${vllm.mode} mode).`),
    "",
    renderDefaultAssignment("ACCELERATE_CONFIG_FILE", join(bundle, `/accelerate/${accelerateFileName(config.training.deepspeed)}`)),
    renderDefaultAssignment("MODEL", model),
    "# A checkout of trl at TRAINER_HOME is used instead of the installed package when there is one.",
    'if [ -f "${TRAINER_HOME}/trl/__init__.py" ]; then export PYTHONPATH="${TRAINER_HOME}${PYTHONPATH:+:${PYTHONPATH}}"; fi',
    `PROCS_PER_NODE=${server ? `$((GPUS_PER_NODE - ${vllm.gpus}))` : '"${GPUS_PER_NODE}"'}`,
  ];
  const serverArgs: { flag: string; values: Word[] }[] = [];
  if (server) {
    lines.push(
      renderDefaultAssignment("VLLM_PORT", lit("8000")),
      `# GPUs 0..${vllm.gpus - 1} generate (node 0), the others train; accelerate starts PROCS_PER_NODE processes on every node.`,
      `GENERATION_GPUS=$(seq -s, 0 ${vllm.gpus - 1})`,
      'TRAINING_GPUS=$(seq -s, "' + vllm.gpus + '" "$((GPUS_PER_NODE - 1))")',
      'if [ "${NODE_RANK}" = 0 ]; then',
      `  ${renderCommand(
        [trusted('CUDA_VISIBLE_DEVICES="${GENERATION_GPUS}"'), lit("trl"), lit("vllm-serve")],
        [
          { flag: "--model", values: [variable("MODEL")] },
          { flag: "--tensor_parallel_size", values: [lit(String(vllm.tensor_parallel_size))] },
          { flag: "--data_parallel_size", values: [lit(String(vllm.gpus / vllm.tensor_parallel_size))] },
          { flag: "--gpu_memory_utilization", values: [lit(String(vllm.gpu_memory_utilization))] },
          { flag: "--host", values: [lit("0.0.0.0")] },
          { flag: "--port", values: [variable("VLLM_PORT")] },
        ],
        "      ",
      )} &`,
      "  VLLM_PID=$!",
      '  trap \'kill "${VLLM_PID}" 2>/dev/null || true; wait "${VLLM_PID}" 2>/dev/null || true\' EXIT',
      '  until curl -sf "http://127.0.0.1:${VLLM_PORT}/health" >/dev/null; do',
      '    kill -0 "${VLLM_PID}" 2>/dev/null || { echo "error: trl vllm-serve exited before it answered on port ${VLLM_PORT}" >&2; exit 1; }',
      "    sleep 5",
      "  done",
      "fi",
      'export CUDA_VISIBLE_DEVICES="${TRAINING_GPUS}"',
    );
    serverArgs.push({ flag: "--vllm_server_host", values: [variable("MASTER_ADDR")] }, { flag: "--vllm_server_port", values: [variable("VLLM_PORT")] });
  }
  const entryArgs: { flag: string; values: Word[] }[] = [
    { flag: "--model", values: [variable("MODEL")] },
    ...shards.flatMap((s) => [
      { flag: "--train_file", values: [join(bundle, `/${s.file}`)] },
      { flag: "--image_folder", values: [dataPathWord(s.images)] },
    ]),
    { flag: "--reward_plugin", values: [join(bundle, "/plugin")] },
    { flag: "--min_pixels", values: [lit(String(config.model.min_pixels))] },
    { flag: "--max_pixels", values: [lit(String(config.model.max_pixels))] },
    { flag: "--config", values: [join(bundle, `/${TRL_CONFIG_FILE}`)] },
    { flag: "--output_dir", values: [variable("OUTPUT_DIR")] },
    ...serverArgs,
  ];
  const command: Word[] = [
    lit("accelerate"),
    lit("launch"),
    join("--config_file=", variable("ACCELERATE_CONFIG_FILE")),
    join("--deepspeed_config_file=", bundle, `/deepspeed/${deepspeedFileName(config.training.deepspeed)}`),
    join("--num_machines=", variable("NNODES")),
    trusted('--num_processes="$((NNODES * PROCS_PER_NODE))"'),
    join("--machine_rank=", variable("NODE_RANK")),
    join("--main_process_ip=", variable("MASTER_ADDR")),
    join("--main_process_port=", variable("MASTER_PORT")),
    join(bundle, `/${TRL_ENTRY_FILE}`),
  ];
  lines.push(
    "",
    "# TRL_ARGS: further GRPOConfig flags for this launch only (split on spaces), checked by TrlParser.",
    "# shellcheck disable=SC2086",
    `${renderCommand(command, entryArgs)} \\\n    \${TRL_ARGS:-}`,
    "",
    `echo "training finished: \${OUTPUT_DIR}" >&2`,
    "",
  );
  return lines.join("\n");
}

