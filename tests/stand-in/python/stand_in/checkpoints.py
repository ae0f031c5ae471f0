"""checkpoint-N/ directories and trainer_state.json in the HF Trainer's layout."""
import json
import os


def new_state(max_steps, epochs, per_device):
    return {
        "best_metric": None, "best_model_checkpoint": None, "epoch": 0.0, "eval_steps": 500,
        "global_step": 0, "is_hyper_param_search": False, "is_local_process_zero": True,
        "is_world_process_zero": True, "log_history": [], "logging_steps": 1, "max_steps": max_steps,
        "num_input_tokens_seen": 0, "num_train_epochs": epochs, "save_steps": 500, "stateful_callbacks": {},
        "total_flos": 0.0, "train_batch_size": per_device, "trial_name": None, "trial_params": None,
    }


def _write_state(path, state):
    with open(path, "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")


def write_checkpoint(output_dir, state):
    path = os.path.join(output_dir, "checkpoint-%d" % state["global_step"])
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(os.urandom(int(os.environ.get("STANDIN_WEIGHT_BYTES", "4096"))))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump({"model_type": "qwen2_5_vl", "stand_in": True}, f)
    _write_state(os.path.join(path, "trainer_state.json"), state)


def finish(output_dir, state, runtime):
    state["log_history"].append({
        "epoch": state["epoch"], "step": state["global_step"], "total_flos": 0.0, "train_loss": 0.01,
        "train_runtime": runtime, "train_samples_per_second": 0.0, "train_steps_per_second": 0.0,
    })
    _write_state(os.path.join(output_dir, "trainer_state.json"), state)


def before_step(step):
    """STANDIN_FAIL_AT_STEP: exit 3 when that step starts (a crash mid-run)."""
    import sys

    fail_at = int(os.environ.get("STANDIN_FAIL_AT_STEP", "0"))
    if fail_at and step == fail_at:
        print("stand-in: simulated failure at step %d" % step, file=sys.stderr, flush=True)
        sys.exit(3)


def after_step():
    """STANDIN_STEP_SECONDS: time one optimizer step takes."""
    import time

    seconds = float(os.environ.get("STANDIN_STEP_SECONDS", "0"))
    if seconds:
        time.sleep(seconds)
