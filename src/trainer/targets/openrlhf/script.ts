import { join, lit, renderWord, variable, type Word } from "../../../util/shell.js";
import { trainScriptPrelude } from "../../script-prelude.js";
import type { BundleFile, TargetBundleContext } from "../types.js";
import { trainFlags } from "./command.js";
import { openRlhfLayout } from "./layout.js";
import { IMAGE_KEY } from "./record.js";

export const TRAIN_SCRIPT = "train.sh";
export const PREPARE_DATA = "openrlhf/prepare_data.py";
/** The command node 0 submits to the Ray cluster, written into OUTPUT_DIR at launch. */
const RAY_JOB = "ray_job.sh";

/**
 * prepare_data.py: the bundle's prompt files with absolute image paths (OpenRLHF opens them
 * with PIL in Ray workers whose working directory is not the bundle's), written to the output
 * folder; prints the most images any prompt has (--data.max_images_per_prompt, vLLM's
 * limit_mm_per_prompt).
 */
function prepareDataPy(): string {
  return String.raw`"""Writes the bundle's OpenRLHF prompt files with absolute image paths.

    python3 prepare_data.py DATA_ROOT OUT_DIR FILE...

Relative image paths resolve against DATA_ROOT. Prints the largest image count of a prompt.
"""
import json
import os
import sys

IMAGE_KEY = ${JSON.stringify(IMAGE_KEY)}


def main():
    root, out_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    most = 0
    for path in files:
        target = os.path.join(out_dir, os.path.basename(path))
        with open(path, encoding="utf-8") as src, open(target + ".tmp", "w", encoding="utf-8") as dst:
            for line in src:
                if not line.strip():
                    continue
                record = json.loads(line)
                images = [p if os.path.isabs(p) else os.path.join(root, p) for p in record.get(IMAGE_KEY) or []]
                record[IMAGE_KEY] = images
                most = max(most, len(images))
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(target + ".tmp", target)
    print(most)


if __name__ == "__main__":
    main()
`;
}

/**
 * train.sh, run once per node. One node: train_ppo_ray.py directly (ray.init starts a local
 * cluster). Several: node 0 starts the Ray head on MASTER_PORT and submits the job; the others
 * join it and stay until the head is gone. Ray workers inherit the environment `ray start` was
 * given (PYTHONPATH, WANDB_API_KEY, ...).
 */
function trainScript(ctx: TargetBundleContext): string {
  const { config } = ctx;
  const layout = openRlhfLayout(config);
  const shards = ctx.shards.map((s) => s.file.replace(/^data\//, ""));
  const flags = trainFlags({
    config,
    layout,
    modelIsLocal: ctx.script.modelIsLocal,
    dataFiles: shards.map((name) => join(variable("OUTPUT_DIR"), `/data/${name}`)),
    prompts: ctx.shards.reduce((n, s) => n + s.records, 0),
    longestPrompt: ctx.longestPrompt,
    rewardFile: join(variable("BUNDLE_DIR"), "/plugin/facial_r1_rewards.py"),
  });
  const train: Word[] = [lit("python3"), lit("-m"), lit("openrlhf.cli.train_ppo_ray")];
  const prepare = [lit("python3"), join(variable("BUNDLE_DIR"), `/${PREPARE_DATA}`), variable("DATA_ROOT"), join(variable("OUTPUT_DIR"), "/data"), ...shards.map((n) => join(variable("BUNDLE_DIR"), `/data/${n}`))];
  const gpus = layout.actorGpus + (layout.colocate ? 0 : layout.engines * layout.tensorParallel);
  return [
    ...trainScriptPrelude(config, ctx.script, `Stage ${config.stage === "grpo" ? 2 : 3}: GRPO on OpenRLHF (Ray, vLLM generation, DeepSpeed).`),
    "",
    "# OpenRLHF imports from its checkout where it is not pip-installed.",
    'export PYTHONPATH="${TRAINER_HOME}${PYTHONPATH:+:${PYTHONPATH}}"',
    'RAY_HEAD="${MASTER_ADDR}:${MASTER_PORT}"',
    "RAY_DASHBOARD_PORT=${RAY_DASHBOARD_PORT:-8265}",
    "",
    `if [ "$((NNODES * GPUS_PER_NODE))" -lt ${gpus} ]; then`,
    `  echo "error: the run was planned for ${gpus} GPUs (${layout.actorGpus} training${layout.colocate ? ", vLLM colocated" : `, ${layout.engines * layout.tensorParallel} vLLM`}); NNODES x GPUS_PER_NODE = $((NNODES * GPUS_PER_NODE))" >&2`,
    "  exit 2",
    "fi",
    "",
    'if [ "${NODE_RANK}" != 0 ]; then',
    "  # A worker node: join the head (it may still be starting), stay while its cluster lives.",
    "  joined=0",
    '  for _ in $(seq 1 "${RAY_JOIN_ATTEMPTS:-30}"); do',
    '    if ray start --address="${RAY_HEAD}" --num-gpus="${GPUS_PER_NODE}"; then joined=1; break; fi',
    '    sleep "${RAY_POLL_SECONDS:-10}"',
    "  done",
    '  [ "${joined}" = 1 ] || { echo "error: node ${NODE_RANK} could not join the Ray head at ${RAY_HEAD}" >&2; exit 1; }',
    '  while ray status --address="${RAY_HEAD}" >/dev/null 2>&1; do sleep "${RAY_POLL_SECONDS:-10}"; done',
    "  ray stop --force >/dev/null 2>&1 || true",
    '  echo "node ${NODE_RANK}: the Ray cluster has finished" >&2',
    "  exit 0",
    "fi",
    "",
    "# OpenRLHF splits its dataset list on ',' and a dataset name on '@'.",
    'case "${OUTPUT_DIR}" in *,*|*@*) echo "error: OUTPUT_DIR must not contain \',\' or \'@\' (OpenRLHF splits its dataset list on them)" >&2; exit 2;; esac',
    `MAX_IMAGES=$(${prepare.map(renderWord).join(" ")})`,
    'cd "${OUTPUT_DIR}"',
    "",
    "TRAIN=(",
    ...[train.map(renderWord).join(" "), ...flags.map((f) => [f.flag, ...f.values.map(renderWord)].join(" "))].map((line) => `  ${line}`),
    ")",
    'if [ "${NNODES}" -gt 1 ]; then',
    "  # ray job submit runs its entrypoint as one shell string: the quoted command goes through a file.",
    '  case "${OUTPUT_DIR}" in *[[:space:]]*) echo "error: OUTPUT_DIR must not contain whitespace on several nodes (ray job submit)" >&2; exit 2;; esac',
    `  { echo "set -euo pipefail"; printf '%q ' "\${TRAIN[@]}"; echo; } > "\${OUTPUT_DIR}/${RAY_JOB}"`,
    '  ray start --head --port="${MASTER_PORT}" --num-gpus="${GPUS_PER_NODE}" --dashboard-port="${RAY_DASHBOARD_PORT}"',
    "  trap 'ray stop --force >/dev/null 2>&1 || true' EXIT",
    `  ray job submit --address="http://127.0.0.1:\${RAY_DASHBOARD_PORT}" -- bash "\${OUTPUT_DIR}/${RAY_JOB}"`,
    "else",
    '  "${TRAIN[@]}"',
    "fi",
    "",
    'echo "training finished: ${OUTPUT_DIR}" >&2',
    "",
  ].join("\n");
}

export function openRlhfBundleFiles(ctx: TargetBundleContext): BundleFile[] {
  return [
    { path: PREPARE_DATA, content: prepareDataPy() },
    { path: TRAIN_SCRIPT, content: trainScript(ctx), mode: 0o755 },
  ];
}
