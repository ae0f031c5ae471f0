"""The option table of OpenRLHF's train_ppo_ray.py, read from the source itself.

    python3 openrlhf_flags.py PATH/TO/openrlhf/cli/train_ppo_ray.py > table.json

Runs only the parser-building statements of the script's __main__ block (between
`parser = argparse.ArgumentParser()` and `args = parser.parse_args()`) and prints, per option
(name without "--"): kind (true / false / pair / list / value), dest, type, default, choices.
tests/targets/openrlhf.test.ts compares it with src/trainer/targets/openrlhf/flags.ts and with
the stand-in's table (tests/stand-in/openrlhf/openrlhf/cli/flags.json), which it was written with.
"""
import argparse
import json
import sys
import textwrap
from datetime import datetime


def table(source):
    start = source.index("    parser = argparse.ArgumentParser()")
    end = source.index("    args = parser.parse_args()")
    scope = {"argparse": argparse, "datetime": datetime}
    exec(textwrap.dedent(source[start:end]), scope)
    out = {}
    for action in scope["parser"]._actions:
        if not action.option_strings or action.option_strings[0] == "-h":
            continue
        if isinstance(action, argparse._StoreTrueAction):
            kind = "true"
        elif isinstance(action, argparse._StoreFalseAction):
            kind = "false"
        elif action.nargs == 2:
            kind = "pair"
        elif action.nargs == "*":
            kind = "list"
        else:
            kind = "value"
        default = action.default
        if isinstance(default, float) and default == float("inf"):
            default = "inf"  # argparse converts a string default with the option's type
        elif isinstance(default, tuple):
            default = list(default)
        if action.dest == "logger.wandb.run_name":
            default = "ppo_%m%dT%H:%M"  # a strftime pattern in the source, filled at start
        out[action.option_strings[0][2:]] = {
            "kind": kind,
            "dest": action.dest,
            "type": getattr(action.type, "__name__", None),
            "default": default,
            "choices": list(action.choices) if action.choices else None,
        }
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(table(f.read()), indent=1))
