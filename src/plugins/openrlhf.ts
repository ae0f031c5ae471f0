import type { RewardSpec } from "../schema/reward-spec.js";
import { ASSISTANT_MARKERS, END_TOKENS } from "../rewards/openrlhf.js";
import { PY_UNIT_SCORE } from "./python-adapters.js";
import { pyString } from "./python-literal.js";
import { rewardsModule, type PluginFile } from "./module.js";

function pyTuple(values: readonly string[]): string {
  return `(${values.map(pyString).join(", ")},)`;
}

/**
 * OpenRLHF's request as the reward server's POST /get_reward reads it (src/rewards/openrlhf.ts):
 * the response inside each query and the ground truth inside each label. Needs `_WS` and `_strip`.
 */
export function pyOpenRlhfRequest(): string {
  return String.raw`

# ---- OpenRLHF requests: the response inside a query, the ground truth inside a label -------
import json as _json

END_TOKENS = ${pyTuple(END_TOKENS)}
ASSISTANT_MARKERS = ${pyTuple(ASSISTANT_MARKERS)}


def _strip_end_tokens(text):
    """Removes a trailing run of end / padding tokens and the whitespace around them."""
    if not text or (text[-1] not in ">]" and text[-1] not in _WS):
        return text
    end = len(text)
    cut = -1
    while True:
        e = end
        while e > 0 and text[e - 1] in _WS:
            e -= 1
        token = next((t for t in END_TOKENS if text.endswith(t, 0, e)), None)
        if token is None:
            break
        end = e - len(token)
        cut = end
    return text if cut == -1 else text[:cut]


def extract_response(query, prompt):
    """(response, method): the query minus its prompt, else the text after the last
    assistant-turn marker, else the whole query; trailing end tokens removed."""
    if isinstance(prompt, str) and prompt and query.startswith(prompt):
        response, method = query[len(prompt):], "prefix"
    else:
        best, size = -1, 0
        for marker in ASSISTANT_MARKERS:
            at = query.rfind(marker)
            if at > best:
                best, size = at, len(marker)
        if best != -1:
            response, method = query[best + size:], "assistant_marker"
        else:
            response, method = query, "whole_query"
    return _strip_end_tokens(response), method


def _string_list(value, where):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("%s: expected a list of strings" % where)
    return value


def decode_label(label, index):
    """(AUs, labels, solution) of one label: a JSON object string, such an object, a list of
    labels, or a plain emotion word."""
    where = "labels[%d]" % index
    if label is None:
        raise ValueError("%s is null: start OpenRLHF with --data.label_key (older: --label_key) naming the dataset field that holds the ground truth" % where)
    if isinstance(label, str):
        text = _strip(label)
        if text.startswith("{"):
            try:
                label = _json.loads(text)
            except ValueError as err:
                raise ValueError('%s: starts with "{" but is not valid JSON (%s)' % (where, err))
        elif text == "":
            raise ValueError('%s: empty label; expected an emotion word or a JSON object {"AUs": [...], "labels": [...]}' % where)
        else:
            return None, [label], None
    if isinstance(label, list):
        return None, _string_list(label, where), None
    if not isinstance(label, dict):
        raise ValueError('%s: expected a string, an object {"AUs": [...], "labels": [...]} or a list of labels' % where)
    if not any(key in label for key in ("AUs", "labels", "solution")):
        raise ValueError('%s: the object has none of the keys "AUs", "labels", "solution"' % where)
    aus = _string_list(label["AUs"], where + ".AUs") if "AUs" in label else None
    labels = _string_list(label["labels"], where + ".labels") if "labels" in label else None
    solution = label.get("solution")
    if "solution" in label and not isinstance(solution, str):
        raise ValueError("%s.solution: expected a string" % where)
    return aus, labels, solution
`;
}

function adapter(): string {
  return String.raw`

# ---- OpenRLHF --remote_rm_url <this file>: reward_func(queries, prompts, labels) ---------
import sys as _sys


def reward_func(queries, prompts, labels, **kwargs):
    """{"rewards": totals, "scores": totals on [0, 1], "extra_logs": {...}}, one value per query."""
    queries = list(queries)
    prompts = list(prompts) if prompts is not None else [None] * len(queries)
    labels = list(labels) if labels is not None else [None] * len(queries)
    out = {"rewards": [], "scores": [], "extra_logs": {"format_reward": [], "accuracy_reward": [], "au_reward": [], "response_after_prompt": []}}
    logs = out["extra_logs"]
    try:
        for i, (query, prompt, label) in enumerate(zip(queries, prompts, labels)):
            if not isinstance(query, str):
                raise ValueError("query[%d]: expected a string" % i)
            response, method = extract_response(query, prompt)
            aus, label_list, solution = decode_label(label, i)
            s = score(response, aus, label_list, solution)
            out["rewards"].append(s["total"])
            out["scores"].append(unit_score(s["total"]))
            logs["format_reward"].append(s["format"])
            logs["accuracy_reward"].append(s["accuracy"])
            logs["au_reward"].append(s["au"])
            logs["response_after_prompt"].append(1.0 if method == "prefix" else 0.0)
    except ValueError as err:
        # OpenRLHF logs a failing reward function at info level only: say it where it is seen.
        print("facial_r1_rewards.reward_func: %s" % err, file=_sys.stderr, flush=True)
        raise
    return out
`;
}

export function renderOpenRlhf(spec: RewardSpec): PluginFile[] {
  const docstring = `Facial-R1 rewards for OpenRLHF, as a reward file: --remote_rm_url /path/to/facial_r1_rewards.py
(newer: --reward.remote_url) with --data.label_key naming the ground-truth field.

OpenRLHF loads this file and calls reward_func(queries, prompts, labels) (one sample per call
in current versions): query = prompt + response with special tokens kept. Returns
{"rewards", "scores", "extra_logs"} exactly as the reward server's POST /get_reward answers:
rewards = the spec's total, scores = the total mapped to [0, 1] (dynamic filtering).
Labels: a JSON object string {"AUs": [...], "labels": [...]}, a list of labels, or an emotion
word. Unlike the HTTP server, no token is involved: OpenRLHF's HTTP client sends no headers.`;
  return [{ path: "facial_r1_rewards.py", content: rewardsModule({ target: "openrlhf", spec, docstring, parts: [PY_UNIT_SCORE, pyOpenRlhfRequest(), adapter()] }) }];
}
