/**
 * Where each trainer saves its checkpoints inside the run's output folder, and how `pull`
 * tells a finished checkpoint from one still being written.
 */
export interface CheckpointLayout {
  /** Folder holding the checkpoint folders, relative to the run's output folder ("." for itself). */
  dir: string;
  /** Checkpoint folder names: `<prefix><step><suffix>`. */
  prefix: string;
  suffix?: string;
  /**
   * A checkpoint is complete when this file is inside it (`file`), or when the trainer's
   * tracker file in `dir`, written after each save, names its step or a later one (`tracker`,
   * `trackerStep` reads the step from the file's text). Either way, a checkpoint whose files
   * still change while a run is going is left for the next pull.
   */
  complete: { file: string } | { tracker: string; trackerStep: (text: string) => number | undefined };
}

/** HF Trainer (VLM-R1, the fork, TRL): `checkpoint-N/` with trainer_state.json written last. */
export const HF_TRAINER_CHECKPOINTS: readonly CheckpointLayout[] = [{ dir: ".", prefix: "checkpoint-", complete: { file: "trainer_state.json" } }];

const integerText = (text: string): number | undefined => (/^\s*(\d+)\s*$/.test(text) ? Number(text.trim()) : undefined);

/**
 * verl (verl/trainer/ppo/ray_trainer.py at b178a3cd56f5, `_save_checkpoint`):
 * `default_local_dir/global_step_N/{actor,data.pt}`, then `latest_checkpointed_iteration.txt`
 * holding N.
 */
export const VERL_CHECKPOINTS: readonly CheckpointLayout[] = [{ dir: ".", prefix: "global_step_", complete: { tracker: "latest_checkpointed_iteration.txt", trackerStep: integerText } }];

/**
 * EasyR1 (verl/trainer/ray_trainer.py at b44b311b669b, `_save_checkpoint`):
 * `save_checkpoint_path/global_step_N/{actor,dataloader.pt}`, then `checkpoint_tracker.json`
 * with `last_global_step`.
 */
export const EASYR1_CHECKPOINTS: readonly CheckpointLayout[] = [
  {
    dir: ".",
    prefix: "global_step_",
    complete: {
      tracker: "checkpoint_tracker.json",
      trackerStep: (text) => {
        try {
          const step = (JSON.parse(text) as { last_global_step?: unknown }).last_global_step;
          return typeof step === "number" && Number.isInteger(step) ? step : undefined;
        } catch {
          return undefined;
        }
      },
    },
  },
];

/**
 * OpenRLHF (openrlhf/trainer/ray/ppo_actor.py at 3c3be6234e0c, `save_checkpoint`), with our
 * bundles' `--ckpt.path $OUTPUT_DIR/ckpt`: DeepSpeed checkpoints `ckpt/_actor/global_stepN/`
 * followed by the `latest` file naming the tag; with `--ckpt.save_hf`, Hugging Face copies
 * `ckpt/global_stepN_hf/` (config.json written with the weights).
 */
export const OPENRLHF_CHECKPOINTS: readonly CheckpointLayout[] = [
  { dir: "ckpt/_actor", prefix: "global_step", complete: { tracker: "latest", trackerStep: (text) => integerText(text.trim().replace(/^global_step/, "")) } },
  { dir: "ckpt", prefix: "global_step", suffix: "_hf", complete: { file: "config.json" } },
];
