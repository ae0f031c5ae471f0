"""Stand-in for open_r1/sft.py of the Facial-R1 fork (RobitsG/Facial-R1@0b1be9bd6207), written from
reading that file. Contracts reproduced:

- parser: trl 0.17's TrlParser over (SFTScriptArguments, open_r1.configs.SFTConfig, ModelConfig);
  the fork's SFTScriptArguments adds NO field (its image_root field is commented out), so
  --image_root is refused at start;
- the module global `config`, loaded in __main__ from open_r1/configs/config.json;
- --dataset_name is a YAML file `datasets:` whose every entry needs `json_path` and
  `image_root` (read as data["image_root"]: a KeyError when absent) and may have
  `sampling_strategy`; each json_path's basename is looked up in `config` for its emotion list;
  records with is_valid == False are skipped and `meta_info` is deleted from each (it must
  exist);
- every record becomes messages: the image is os.path.join(entry image_root, record["image"])
  (a string), the question and the record's `description` (the assistant turn);
- the collator opens every image; the model path must contain "Qwen2-VL" or "Qwen2.5-VL".
"""
import json
import os
import random
from dataclasses import dataclass

import yaml
from torch.utils.data import Dataset
from trl import ModelConfig, ScriptArguments, TrlParser
from open_r1.configs import SFTConfig
from open_r1.prompts.emotion_prompt import GRPO_PROMPT, SFT_PROMPT  # noqa: F401
from stand_in.open_r1_common import run_sft, sample_records

random.seed(42)


@dataclass
class SFTScriptArguments(ScriptArguments):
    pass


class LazySupervisedDataset(Dataset):
    def __init__(self, data_path, script_args):
        super().__init__()
        self.list_data_dict = []
        if not data_path.endswith(".yaml"):
            raise ValueError(f"Unsupported file type: {data_path}")
        with open(data_path, "r") as file:
            entries = yaml.safe_load(file).get("datasets")
        for data in entries:
            json_path = data["json_path"]
            image_root = data["image_root"]
            emotions = config[os.path.basename(json_path)]["emotions"]
            if not json_path.endswith(".jsonl"):
                raise ValueError(f"Unsupported file type: {json_path}")
            records = []
            with open(json_path, "r") as f:
                for line in f:
                    item = json.loads(line.strip())
                    item["image_root"] = image_root
                    if item.get("is_valid", True) == False:  # noqa: E712
                        continue
                    item["emotions"] = emotions
                    del item["meta_info"]
                    records.append(item)
            records = sample_records(records, data.get("sampling_strategy", "all"))
            print(f"Loaded {len(records)} samples from {json_path}")
            self.list_data_dict.extend(records)
        random.shuffle(self.list_data_dict)

    def __len__(self):
        return len(self.list_data_dict)

    def __getitem__(self, i):
        example = self.list_data_dict[i]
        image_path = os.path.join(example["image_root"], example["image"])
        question = example["question"].replace("<image>", "").strip() if example["question"] else "What is the emotion of this face?"
        emotions = example["emotions"].keys() if example["emotions"].keys() else ["anger", "happiness", "sadness", "neutral", "disgust", "surprise", "fear"]
        example["messages"] = [
            {"role": "user", "content": [{"type": "image", "image": f"file://{image_path}"}, {"type": "text", "text": GRPO_PROMPT.format(Question=question, Emotions=emotions)}]},
            {"role": "assistant", "content": example["description"]},
        ]
        return example


def main(script_args, training_args, model_args):
    run_sft(LazySupervisedDataset, script_args, training_args, model_args)


if __name__ == "__main__":
    parser = TrlParser((SFTScriptArguments, SFTConfig, ModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    with open("open_r1/configs/config.json", "r", encoding="utf-8") as f:
        config = json.load(f)
    main(script_args, training_args, model_args)
