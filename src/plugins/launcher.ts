import { generatedHeader } from "./python-core.js";

/**
 * `train_grpo.py`: adds the generated rewards to VLM-R1's registry and then runs the trainer
 * script's own parse-and-main sequence, so the trainer itself stays unmodified.
 */
export function renderLauncher(params: { target: "vlm-r1" | "facial-r1" }): string {
  const fork = params.target === "facial-r1";
  const config = fork
    ? String.raw`
    # The fork's script reads its per-file frequency map into a module global before main().
    with open(os.path.join("open_r1", "configs", "config.json"), "r", encoding="utf-8") as f:
        trainer.config = json.load(f)`
    : "";
  return `${generatedHeader(params.target, "Launcher: VLM-R1's GRPO JSONL trainer with the Facial-R1 rewards in its registry.")}
"""Run instead of src/open_r1/grpo_jsonl.py, with the same arguments (torchrun ... train_grpo.py ...).

Adds format / accuracy / au from facial_r1_rewards.py (next to this file) to the trainer's
reward_funcs_registry, replacing entries of the same name; choose them with
--reward_funcs format accuracy au. Everything else is the trainer's own code path: its parser,
its ZeRO-3 Qwen2.5-VL forward patch when the --deepspeed path contains "zero3", then its main().
Run it from ${fork ? "src/open-r1-multimodal/src (the fork reads open_r1/configs/config.json)" : "src/open-r1-multimodal/src, or with open_r1 installed"}.
"""
import importlib.util
import json
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
if os.getcwd() not in sys.path:
    sys.path.append(os.getcwd())


def _open_r1_folder():
    """The open_r1 package folder itself. Upstream's grpo_jsonl.py imports \`utils.math\` as a
    top-level module, which resolves only because \`torchrun src/open_r1/grpo_jsonl.py\` puts
    that folder first on sys.path; importing the module from here needs the same entry."""
    spec = importlib.util.find_spec("open_r1")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("train_grpo.py: no open_r1 package on sys.path; run it from the trainer's src/open-r1-multimodal/src")
    return list(spec.submodule_search_locations)[0]


sys.path.insert(1, _open_r1_folder())

import facial_r1_rewards  # noqa: E402
from open_r1 import grpo_jsonl as trainer  # noqa: E402


def install_rewards(registry):
    for name, fn in facial_r1_rewards.REWARD_FUNCS.items():
        registry[name] = fn
    return registry


def _zero3_patch():
    patch = getattr(trainer, "monkey_patch_qwen2_5vl_forward", None)
    if patch is None:
        from open_r1.qwen2_5vl_monkey_patch import monkey_patch_qwen2_5vl_forward as patch
    return patch


def run():
    install_rewards(trainer.reward_funcs_registry)
    parser = trainer.TrlParser((trainer.GRPOScriptArguments, trainer.GRPOConfig, trainer.GRPOModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()${config}
    if training_args.deepspeed and "zero3" in training_args.deepspeed:
        print("zero3 is used, qwen2_5vl forward monkey patch is applied")
        _zero3_patch()()
    trainer.main(script_args, training_args, model_args)


if __name__ == "__main__":
    run()
`;
}

/**
 * `train_sft.py` for upstream VLM-R1, whose sft.py turns every record into messages for
 * referring-expression data (a bounding box in `solution`, a `normal_caption`): FEA records
 * fail there. The launcher keeps the script's parser, model loading, collator and trainer, and
 * replaces only the dataset class, which its main() looks up at run time, with one that builds
 * the messages from the shard's `conversations`.
 */
export function renderSftLauncher(): string {
  return `${generatedHeader("vlm-r1", "Launcher: VLM-R1's sft.py on Facial-R1 records (conversations with an image).")}
"""Run instead of src/open_r1/sft.py, with the same arguments (accelerate launch ... train_sft.py ...).

Each record of the datasets YAML's files is {"image": path or [paths] under --image_root,
"conversations": [{"from": "human", "value": "<image>question"}, {"from": "gpt", "value":
answer}]}: the user turn holds the image(s) and the question, the assistant turn the answer.
Everything else is sft.py's own code path: its parser, model, collator and trainer.
"""
import os
import sys

if os.getcwd() not in sys.path:
    sys.path.append(os.getcwd())

from open_r1 import sft  # noqa: E402


class FacialR1SupervisedDataset(sft.LazySupervisedDataset):
    def __getitem__(self, i):
        example = self.list_data_dict[i]
        images = example["image"] if isinstance(example["image"], list) else [example["image"]]
        human, answer = example["conversations"][0]["value"], example["conversations"][1]["value"]
        content = [{"type": "image", "image": "file://" + os.path.join(self.script_args.image_root, image)} for image in images]
        content.append({"type": "text", "text": human.replace("<image>", "").strip()})
        example["messages"] = [{"role": "user", "content": content}, {"role": "assistant", "content": answer}]
        return example


def run():
    sft.LazySupervisedDataset = FacialR1SupervisedDataset
    parser = sft.TrlParser((sft.SFTScriptArguments, sft.SFTConfig, sft.ModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    sft.main(script_args, training_args, model_args)


if __name__ == "__main__":
    run()
`;
}
