"""Stand-in for open_r1/sft.py of upstream VLM-R1 (om-ai-lab/VLM-R1@90052f478646), written from
reading that file. Contracts reproduced:

- parser: trl 0.17's TrlParser over (SFTScriptArguments, open_r1.configs.SFTConfig, ModelConfig);
  SFTScriptArguments adds `image_root` to trl's ScriptArguments (dataset_name required);
- --dataset_name is a YAML file `datasets:` of entries with `json_path` (.jsonl or .json) and
  an optional `sampling_strategy` (all, first:N, end:N, random:N, N may be P%);
- every record is turned into messages by LazySupervisedDataset.__getitem__, which is written
  for referring-expression data: it joins --image_root to record["image"] and unpacks
  record["solution"] as a bounding box (x1, y1, x2, y2) with record["normal_caption"]; other
  records fail there (a launcher can replace the class, as the module looks it up at run time);
- the collator opens every image (qwen_vl_utils.process_vision_info);
- the model path must contain "Qwen2-VL" or "Qwen2.5-VL" (case-sensitive).
"""
import json
import os
from dataclasses import dataclass, field

import yaml
from torch.utils.data import Dataset
from trl import ModelConfig, ScriptArguments, TrlParser
from open_r1.configs import SFTConfig
from stand_in.open_r1_common import run_sft, sample_records


@dataclass
class SFTScriptArguments(ScriptArguments):
    image_root: str = field(default=None, metadata={"help": "The root directory of the image."})


class LazySupervisedDataset(Dataset):
    def __init__(self, data_path, script_args):
        super().__init__()
        self.script_args = script_args
        self.list_data_dict = []
        if not data_path.endswith(".yaml"):
            raise ValueError(f"Unsupported file type: {data_path}")
        with open(data_path, "r") as file:
            entries = yaml.safe_load(file).get("datasets")
        for data in entries:
            json_path = data.get("json_path")
            if json_path.endswith(".jsonl"):
                with open(json_path, "r") as f:
                    records = [json.loads(line.strip()) for line in f]
            elif json_path.endswith(".json"):
                with open(json_path, "r") as f:
                    records = json.load(f)
            else:
                raise ValueError(f"Unsupported file type: {json_path}")
            records = sample_records(records, data.get("sampling_strategy", "all"))
            print(f"Loaded {len(records)} samples from {json_path}")
            self.list_data_dict.extend(records)

    def __len__(self):
        return len(self.list_data_dict)

    def __getitem__(self, i):
        example = self.list_data_dict[i]
        image_path = os.path.join(self.script_args.image_root, example["image"])
        x1, y1, x2, y2 = example["solution"]
        caption = example["normal_caption"]
        example["messages"] = [
            {"role": "user", "content": [{"type": "image", "image": f"file://{image_path}"}, {"type": "text", "text": example["problem"]}]},
            {"role": "assistant", "content": f'[{{"bbox_2d": [{int(x1)}, {int(y1)}, {int(x2)}, {int(y2)}], "label": "{caption}"}}]'},
        ]
        return example


def main(script_args, training_args, model_args):
    run_sft(LazySupervisedDataset, script_args, training_args, model_args)


if __name__ == "__main__":
    parser = TrlParser((SFTScriptArguments, SFTConfig, ModelConfig))
    script_args, training_args, model_args = parser.parse_args_and_config()
    main(script_args, training_args, model_args)
