import type { RunConfig } from "../../schema/run-config.js";
import { trainScriptPrelude, type ScriptContext } from "../script-prelude.js";
import { lit, renderCommand } from "../../util/shell.js";
import { NO_QUOTES_IN_PATHS, renderOverrides, type Overrides } from "./overrides.js";

/**
 * How a Ray-based trainer (verl, EasyR1) runs on 1..N nodes from one script that every node
 * runs: with one node the trainer's own `ray.init()` starts a private cluster; with more,
 * node 0 starts the head (`ray start --head` on MASTER_PORT), waits until every node has
 * joined (the trainers check the cluster's GPUs before they place a single worker), exports
 * RAY_ADDRESS so the trainer's `ray.init()` joins that cluster, runs the trainer and stops the
 * cluster; the other nodes join the head (retrying until it is up) and stay until it is gone.
 * The job's exit code is node 0's.
 */
export function rayLaunchLines(trainerCommand: string): string[] {
  return [
    'RAY_HEAD="${MASTER_ADDR}:${MASTER_PORT}"',
    'RAY_JOIN_TIMEOUT="${RAY_JOIN_TIMEOUT:-900}"',
    'if [ "${NNODES}" -gt 1 ] && [ "${NODE_RANK}" != 0 ]; then',
    '  deadline=$((SECONDS + RAY_JOIN_TIMEOUT))',
    '  until ray start --address="${RAY_HEAD}" --num-gpus="${GPUS_PER_NODE}"; do',
    '    if [ "${SECONDS}" -ge "${deadline}" ]; then',
    '      echo "error: node ${NODE_RANK}: no Ray head at ${RAY_HEAD} after ${RAY_JOIN_TIMEOUT}s (is node 0 running?)" >&2',
    "      exit 1",
    "    fi",
    "    sleep 5",
    "  done",
    '  echo "node ${NODE_RANK} joined the Ray cluster at ${RAY_HEAD}; serving until the head stops" >&2',
    '  while ray status --address="${RAY_HEAD}" >/dev/null 2>&1; do sleep 10; done',
    "  ray stop >/dev/null 2>&1 || true",
    '  echo "node ${NODE_RANK}: the Ray head is gone; done" >&2',
    "  exit 0",
    "fi",
    'if [ "${NNODES}" -gt 1 ]; then',
    '  ray start --head --port="${MASTER_PORT}" --num-gpus="${GPUS_PER_NODE}"',
    "  trap 'ray stop >/dev/null 2>&1 || true' EXIT",
    '  export RAY_ADDRESS="${RAY_HEAD}"',
    "  # The trainers refuse to start when the cluster has fewer GPUs than they were given.",
    '  RAY_NODES="${NNODES}" RAY_JOIN_TIMEOUT="${RAY_JOIN_TIMEOUT}" python3 - <<\'PY\'',
    "import os, sys, time",
    "import ray",
    'ray.init(address=os.environ["RAY_ADDRESS"])',
    'want, deadline = int(os.environ["RAY_NODES"]), time.time() + int(os.environ["RAY_JOIN_TIMEOUT"])',
    "while True:",
    '    alive = sum(1 for n in ray.nodes() if n.get("Alive"))',
    "    if alive >= want:",
    '        print("Ray cluster: %d of %d nodes" % (alive, want), file=sys.stderr)',
    "        break",
    "    if time.time() > deadline:",
    '        sys.exit("error: only %d of %d nodes joined the Ray cluster" % (alive, want))',
    "    time.sleep(5)",
    "ray.shutdown()",
    "PY",
    "fi",
    trainerCommand,
  ];
}

/**
 * The train script of a Ray trainer: the shared prelude, the trainer's own set-up lines (its
 * checkout on PYTHONPATH, the working directory), then `python3 -m <module>` with the
 * overrides, started through `rayLaunchLines`.
 */
export function renderRayTrainScript(params: { config: RunConfig; script: ScriptContext; trainer: string; setup: string[]; module: string; overrides: Overrides }): string {
  const { config, trainer } = params;
  const command = renderCommand([lit("python3"), lit("-m"), lit(params.module)], renderOverrides(params.overrides));
  return [
    ...trainScriptPrelude(config, params.script, `GRPO with ${trainer} (Ray, vLLM rollouts colocated with FSDP training) on ${config.hardware.nodes} node(s).`),
    NO_QUOTES_IN_PATHS,
    "",
    ...params.setup,
    "",
    ...rayLaunchLines(command),
    "",
    'echo "training finished: ${OUTPUT_DIR}" >&2',
    "",
  ].join("\n");
}
