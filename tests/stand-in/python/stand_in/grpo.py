"""The GRPO trainer both VLM-R1 and the Facial-R1 fork build on (open_r1/trainer/grpo_trainer.py,
om-ai-lab/VLM-R1@90052f478646 and RobitsG/Facial-R1@0b1be9bd6207), reduced to what decides whether
a run starts and what the reward functions see:

- at construction: the model module is chosen from the path and the global batch
  (per_device_train_batch_size x world size) must be divisible by num_generations, which must
  be at least 2 (the real check lists range(2, global_batch + 1));
- each row's images are opened (the real trainer calls PIL.Image.open on image_path);
- the sampler repeats each prompt num_generations times; every rank scores its own
  per_device_train_batch_size completions with one call per reward function:
  fn(prompts=prompts, completions=completions, **columns), where columns are every dataset
  column but "prompt" and "completion", as lists aligned with the completions;
- each call must return one real number per completion (the trainer does
  torch.tensor(rewards, dtype=torch.float32): None or a string fails there);
- rewards are summed per completion; the fork clamps the sum to [-10, 10] and multiplies the
  loss by each row's `weights`, which must therefore be numbers;
- metrics are logged as rewards/<function __name__>, and checkpoints are saved per
  save_strategy.
Completions are not generated: they are written from each row's own ground truth, in five
shapes of varying quality, like an early policy's.
"""
import math
import os
import time

from stand_in.checkpoints import after_step, before_step, finish, new_state, write_checkpoint
from stand_in.deepspeed_rules import check_run

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"BM")


def open_image(path):
    """What PIL.Image.open needs: an existing file with a known image signature."""
    with open(path, "rb") as f:
        head = f.read(12)
    if not any(head.startswith(s) for s in _SIGNATURES):
        raise OSError("cannot identify image file %r" % path)


def completions_for(row, n):
    label = (row.get("labels") or [""])[0] if row.get("labels") else (row.get("solution") or "").replace("<answer>", "").replace("</answer>", "").strip()
    aus = row.get("AUs") or []
    think = "The face shows " + " and ".join(aus) + "." if aus else "The face is relaxed."
    variants = [
        "<think>%s</think>\n<answer>%s</answer>" % (think, label),
        "<think>%s</think><answer>neutral</answer>" % think,
        "<think>%s</think>" % think,
        "<answer>%s</answer>" % label,
        "<think>Brows lowered (AU4).</think>\n<answer>%s</answer>" % label,
    ]
    return [variants[k % len(variants)] for k in range(n)]


def _as_float32(values, name):
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError("reward function %s returned %r: torch.tensor(..., dtype=torch.float32) needs real numbers" % (name, v))
        out.append(float(v))
    return out


class StandInGRPOTrainer:
    #: The fork: sum clamped to [-10, 10], loss weighted by the `weights` column.
    weighted_loss = False

    def __init__(self, model, reward_funcs, args, vlm_module=None, train_dataset=None, eval_dataset=None, peft_config=None,
                 freeze_vision_modules=False, attn_implementation="flash_attention_2", max_pixels=12845056, min_pixels=3136,
                 max_anyres_num=12, torch_dtype="bfloat16"):
        assert isinstance(model, str), "model must be a string in the current implementation"
        if vlm_module is not None:
            vlm_module.get_model_class(model, {})
        self.args = args
        self.reward_funcs = list(reward_funcs)
        self.train_dataset = train_dataset
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.num_generations = args.num_generations
        global_batch = args.per_device_train_batch_size * self.world_size
        possible = [n for n in range(2, global_batch + 1) if global_batch % n == 0]
        if self.num_generations not in possible:
            raise ValueError(
                "The global train batch size (%d x %d) must be evenly divisible by the number of generations per prompt (%d). "
                "Given the current train batch size, the valid values for the number of generations are: %s."
                % (self.world_size, args.per_device_train_batch_size, self.num_generations, possible)
            )

    def _reward_columns(self, rows):
        keys = [k for k in rows[0].keys() if k not in ("prompt", "completion")]
        return {k: [row[k] for row in rows] for k in keys}

    def _score(self, rows, completions):
        prompts = [row["prompt"] for row in rows]
        wrapped = [[{"role": "assistant", "content": c}] for c in completions]
        columns = self._reward_columns(rows)
        per_func = []
        for fn in self.reward_funcs:
            values = fn(prompts=prompts, completions=wrapped, **columns)
            if len(values) != len(rows):
                raise ValueError("reward function %s returned %d rewards for %d completions" % (fn.__name__, len(values), len(rows)))
            per_func.append(_as_float32(values, fn.__name__))
        totals = [sum(v) for v in zip(*per_func)]
        if self.weighted_loss:
            totals = [min(max(t, -10.0), 10.0) for t in totals]
            _as_float32([row["weights"] for row in rows], "weights column (compute_loss)")
        return per_func, totals

    def train(self, resume_from_checkpoint=None):
        args = self.args
        check_run(args)
        rows = [self.train_dataset[i] for i in range(len(self.train_dataset))]
        for row in rows:
            for path in row.get("image_path") or []:
                open_image(path)
        per_rank = args.per_device_train_batch_size
        global_batch = per_rank * self.world_size
        items = len(rows) * self.num_generations
        micro_batches = max(1, math.ceil(items / global_batch))
        accumulation = args.gradient_accumulation_steps
        steps_per_epoch = max(1, math.ceil(micro_batches / accumulation))
        epochs = int(math.ceil(args.num_train_epochs))
        max_steps = args.max_steps if args.max_steps and args.max_steps > 0 else steps_per_epoch * epochs
        state = new_state(max_steps, epochs, per_rank)
        started = time.time()
        cursor = 0
        while state["global_step"] < max_steps:
            step = state["global_step"] + 1
            before_step(step)
            sums = {fn.__name__: 0.0 for fn in self.reward_funcs}
            totals = []
            for _ in range(accumulation):
                prompts_in_batch = global_batch // self.num_generations
                batch = [rows[(cursor + k) % len(rows)] for k in range(prompts_in_batch)]
                cursor += prompts_in_batch
                repeated = [row for row in batch for _ in range(self.num_generations)]
                completions = [c for row in batch for c in completions_for(row, self.num_generations)]
                for r in range(self.world_size):
                    part = slice(r * per_rank, (r + 1) * per_rank)
                    per_func, t = self._score(repeated[part], completions[part])
                    for fn, values in zip(self.reward_funcs, per_func):
                        sums[fn.__name__] += sum(values)
                    totals.extend(t)
            count = len(totals)
            mean = sum(totals) / count
            entry = {
                "clip_ratio": 0.0, "completion_length": 40.0 + step, "epoch": round(step / steps_per_epoch, 4),
                "grad_norm": 1.0 / step, "learning_rate": float(args.learning_rate), "loss": 0.01 * step,
                "reward": mean, "reward_std": math.sqrt(sum((t - mean) ** 2 for t in totals) / count), "step": step,
            }
            for name, total in sums.items():
                entry["rewards/" + name] = total / count
            state["log_history"].append(entry)
            state["global_step"] = step
            state["epoch"] = entry["epoch"]
            print("stand-in: step %d/%d reward %.4f" % (step, max_steps, mean), flush=True)
            after_step()
            end_of_epoch = step % steps_per_epoch == 0 or step == max_steps
            if args.save_strategy == "epoch" and end_of_epoch or args.save_strategy == "steps" and step % int(args.save_steps) == 0:
                write_checkpoint(args.output_dir, state)
        finish(args.output_dir, state, time.time() - started)
        print("stand-in: training finished", flush=True)

    def save_model(self, output_dir):
        os.makedirs(output_dir, exist_ok=True)

    def push_to_hub(self):
        raise RuntimeError("stand-in: push_to_hub is not available")
