"""Reads a TRL bundle with the real libraries and prints one JSON object:

    python trl_bundle_check.py BUNDLE IMAGE_FOLDER

- fields: GRPOConfig's own fields and TrainingArguments' (dataclasses.fields of the real classes);
- config: the emitted trl/grpo_config.yaml through the real TrlParser into a GRPOConfig, with
  the launch's --output_dir (and the CPU override), its derived batch values;
- misspelt: the same YAML with one key misspelt: the error TrlParser raises;
- data: data/train.jsonl through datasets' json loader with the images joined to IMAGE_FOLDER
  and cast to datasets' Image feature, as the bundle's entry script does.
"""
import dataclasses
import importlib.util
import json
import os
import sys
import tempfile

from transformers import TrainingArguments
from trl import GRPOConfig, TrlParser

bundle, image_folder = sys.argv[1], sys.argv[2]
out = {}
base = {f.name for f in dataclasses.fields(TrainingArguments)}
out["fields"] = {"own": sorted(f.name for f in dataclasses.fields(GRPOConfig) if f.name not in base), "base": sorted(base)}

config_path = os.path.join(bundle, "trl", "grpo_config.yaml")
launch = ["--output_dir", tempfile.mkdtemp(), "--use_cpu", "true", "--bf16", "false"]
(args,) = TrlParser((GRPOConfig,)).parse_args_and_config(["--config", config_path] + launch)
out["config"] = {k: getattr(args, k) for k in ["use_vllm", "vllm_mode", "num_generations", "per_device_train_batch_size", "gradient_accumulation_steps",
                                                 "generation_batch_size", "steps_per_generation", "multi_objective_aggregation", "learning_rate", "model_init_kwargs", "run_name", "temperature"]}
with open(config_path, encoding="utf-8") as f:
    text = f.read()
bad = os.path.join(tempfile.mkdtemp(), "misspelt.yaml")
with open(bad, "w", encoding="utf-8") as f:
    f.write(text.replace("num_generations:", "num_generation:"))
try:
    TrlParser((GRPOConfig,)).parse_args_and_config(["--config", bad] + launch)
    out["misspelt"] = None
except (ValueError, SystemExit) as e:
    out["misspelt"] = str(e)

spec = importlib.util.spec_from_file_location("bundle_entry", os.path.join(bundle, "trl", "train_grpo.py"))
entry = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entry)
data = entry.train_dataset([os.path.join(bundle, "data", "train.jsonl")], [image_folder])
first = data[0]
out["data"] = {
    "rows": data.num_rows,
    "features": {k: repr(v) for k, v in data.features.items()},
    "ids": list(data["id"]),
    "first_prompt": first["prompt"],
    "first_image_size": list(first["images"][0].size),
    "AUs": list(data["AUs"]),
    "labels": list(data["labels"]),
}
print(json.dumps(out, default=str))
