import { ModelSchema, type RunConfig } from "../../../schema/run-config.js";
import type { ReportFinding } from "../types.js";
import { OPENRLHF_FLAGS } from "./flags.js";
import { openRlhfLayout } from "./layout.js";
import { openRlhfShardName } from "./record.js";

const DEFAULT_PIXELS = ModelSchema.parse({ path: "m" });

/**
 * The run-config settings OpenRLHF cannot honour, and its own batch and placement rules
 * (openrlhf/cli/train_ppo_ray.py asserts, openrlhf/utils/deepspeed/deepspeed.py's
 * accumulated_gradient, at OpenRLHF/OpenRLHF@3c3be6234e0c).
 */
export function openRlhfFindings(config: RunConfig, report: ReportFinding): void {
  const layout = openRlhfLayout(config);
  const { training } = config;
  const vllm = config.trainer.vllm;

  if (vllm.mode === "server" && vllm.gpus >= layout.world) {
    report(["trainer", "vllm", "gpus"], { message: `server mode gives ${vllm.gpus} of the job's ${layout.world} GPUs to vLLM and leaves none to train; give it fewer` });
  }
  const engineGpus = layout.colocate ? layout.world : vllm.gpus;
  if (engineGpus % vllm.tensor_parallel_size !== 0) {
    report(["trainer", "vllm", "tensor_parallel_size"], {
      message: `${engineGpus} generation GPUs are not a whole number of vLLM engines of tensor_parallel_size ${vllm.tensor_parallel_size}${layout.colocate ? " (colocated, train_ppo_ray.py asserts actor GPUs == vllm.num_engines x vllm.tensor_parallel_size)" : ""}`,
    });
  }
  // group_norm needs a group: train_ppo_ray.py asserts n_samples_per_prompt > 1.
  if (training.num_generations < 2) {
    report(["training", "num_generations"], { message: "OpenRLHF's group_norm advantage needs at least 2 completions per prompt (train_ppo_ray.py asserts n_samples_per_prompt > 1)" });
  } else if (!Number.isInteger(layout.rolloutBatch) && layout.actorGpus > 0) {
    report(["training", "per_device_batch"], {
      message: `completions per optimizer step (per_device_batch ${training.per_device_batch} x ${layout.actorGpus} training GPUs x gradient_accumulation ${training.gradient_accumulation} = ${layout.trainBatch}) are not divisible by num_generations ${training.num_generations}: OpenRLHF's rollout batch (prompts) would not fill one optimizer step`,
    });
  }
  if (!Number.isInteger(training.epochs)) {
    report(["training", "epochs"], { message: `OpenRLHF runs whole passes over the prompts (--train.num_episodes is an integer); ${training.epochs} is not one` });
  }
  if (training.max_steps !== undefined) {
    report(["training", "max_steps"], {
      message: "OpenRLHF has no step limit: remove max_steps and set epochs, or limit the prompts with training.extra_args data.max_samples",
    });
  }
  for (const key of ["min_pixels", "max_pixels"] as const) {
    if (config.model[key] !== DEFAULT_PIXELS[key]) {
      report(["model", key], {
        message: `OpenRLHF loads the processor with the model's own preprocessor_config.json and has no flag for ${key}; remove it here and set it in the model's preprocessor_config.json`,
      });
    }
  }
  if (config.training.save_strategy === "steps" && config.training.save_steps === undefined) {
    report(["training", "save_steps"], { message: "save_strategy steps needs save_steps" });
  }
  config.datasets.forEach((entry, i) => {
    // blending_datasets splits --data.prompt_dataset on "," and a name on "@" (data_dir).
    if (/[,@]/.test(openRlhfShardName(entry))) {
      report(["datasets", i, "file"], { message: `OpenRLHF splits its dataset list on "," and "@"; rename ${openRlhfShardName(entry)}` });
    }
  });
  for (const [raw, value] of Object.entries(training.extra_args)) {
    const kind = OPENRLHF_FLAGS[raw.replace(/^--/, "")];
    const at = ["training", "extra_args", raw];
    if ((kind === "true" || kind === "false") && typeof value !== "boolean") {
      report(at, { message: `--${raw.replace(/^--/, "")} is a switch without a value: give true (or false to leave it out)` });
    } else if (kind === "pair" && !(Array.isArray(value) && value.length === 2)) {
      report(at, { message: `--${raw.replace(/^--/, "")} takes two values: give a list of two` });
    } else if (kind === "value" && (typeof value === "boolean" || Array.isArray(value))) {
      report(at, { message: `--${raw.replace(/^--/, "")} takes one value` });
    }
  }
}
