"""Derives the config keys a trainer accepts from its source at a commit (a git checkout):

- verl: every path of verl/trainer/config/_generated_ppo_trainer.yaml (the Hydra config that
  main_ppo composes, flattened by verl's own scripts/generate_trainer_config.sh); keys starting
  with "_" (Hydra's _target_) are left out.
- easyr1: every field of the PPOConfig dataclass tree (verl/trainer/config.py and the worker
  configs it nests), read from the source with ast; fields declared init=False are listed
  apart ("derived": the trainer sets them from other keys in post_init).

Usage: derive_keys.py verl|easyr1 GIT_DIR COMMIT  -> JSON {"keys": [...], "derived": [...]}
"""
import ast
import json
import subprocess
import sys

import yaml


def show(git_dir, commit, path):
    return subprocess.run(["git", "-C", git_dir, "show", "%s:%s" % (commit, path)], check=True, capture_output=True, text=True).stdout


def verl_keys(git_dir, commit):
    tree = yaml.safe_load(show(git_dir, commit, "verl/trainer/config/_generated_ppo_trainer.yaml"))
    keys = []

    def walk(node, prefix):
        for key, value in node.items():
            if str(key).startswith("_"):
                continue
            path = prefix + str(key)
            keys.append(path)
            if isinstance(value, dict):
                walk(value, path + ".")

    walk(tree, "")
    return {"keys": sorted(keys), "derived": []}


EASYR1_FILES = [
    "verl/trainer/config.py",
    "verl/workers/config.py",
    "verl/workers/actor/config.py",
    "verl/workers/critic/config.py",
    "verl/workers/reward/config.py",
    "verl/workers/rollout/config.py",
]


def _init_false(value):
    return isinstance(value, ast.Call) and any(k.arg == "init" and isinstance(k.value, ast.Constant) and k.value.value is False for k in value.keywords)


def easyr1_keys(git_dir, commit):
    classes = {}
    for path in EASYR1_FILES:
        for node in ast.parse(show(git_dir, commit, path)).body:
            if isinstance(node, ast.ClassDef) and any(getattr(d, "id", None) == "dataclass" for d in node.decorator_list):
                fields = []
                for item in node.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        annotation = item.annotation.id if isinstance(item.annotation, ast.Name) else None
                        fields.append((item.target.id, annotation, _init_false(item.value)))
                classes[node.name] = fields
    keys, derived = [], []

    def walk(name, prefix):
        for field, annotation, init_false in classes[name]:
            path = prefix + field
            (derived if init_false else keys).append(path)
            if annotation in classes:
                walk(annotation, path + ".")

    walk("PPOConfig", "")
    return {"keys": sorted(keys), "derived": sorted(derived)}


if __name__ == "__main__":
    target, git_dir, commit = sys.argv[1:4]
    print(json.dumps((verl_keys if target == "verl" else easyr1_keys)(git_dir, commit)))
