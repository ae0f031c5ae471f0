import { PY_WHITESPACE } from "../rewards/python-text.js";
import { invalidInput } from "../util/errors.js";
import { renderLauncher } from "./launcher.js";
import type { PluginFile } from "./module.js";
import { pyOpenRlhfRequest } from "./openrlhf.js";
import { PY_COLUMN, PY_GROUND_TRUTH } from "./python-adapters.js";
import { generatedHeader, PY_COMPLETION_TEXT } from "./python-core.js";
import { pyFloat, pyString } from "./python-literal.js";
import type { PluginTarget } from "./targets.js";

/**
 * Plugins that call a facial-r1 reward server for rewards defined in TypeScript (defineReward):
 * each trainer's calling convention on the Python side, one HTTP request per batch the trainer
 * hands over, the reward computed by the TypeScript function. The module is named
 * facial_r1_rewards.py like the built-in plugins, so a trainer's setup is the same.
 */
export interface RemoteReward {
  name: string;
  range: readonly [number, number];
  description?: string;
}

export interface RemotePluginParams {
  /** The server's base URL (FACIAL_R1_REWARD_URL overrides it at run time). */
  server: string;
  rewards: readonly RemoteReward[];
}

function client(params: RemotePluginParams): string {
  const rewards = params.rewards.map((r) => `${pyString(r.name)}: (${pyFloat(r.range[0])}, ${pyFloat(r.range[1])})`).join(", ");
  return String.raw`import json as _json
import os as _os
import time as _time
import urllib.error as _urlerror
import urllib.request as _urlrequest

# ---- the reward server ------------------------------------------------------------------
SERVER = _os.environ.get("FACIAL_R1_REWARD_URL", ${pyString(params.server)})
REWARDS = {${rewards}}
_TIMEOUT_SECONDS = 120
_ATTEMPTS = 4
_WS = ${pyString(PY_WHITESPACE)}


def _strip(text):
    return text.strip(_WS)


def _post(name, items):
    """{"rewards": [...], "scores": [...]}, one per item, from POST /v1/rewards/<name>. Server
    errors and dropped connections are retried; a refusal (4xx) or an exhausted retry raises,
    so the trainer stops instead of training on missing rewards."""
    body = _json.dumps({"items": items}).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    token = _os.environ.get("FACIAL_R1_REWARD_TOKEN")
    if token:
        headers["Authorization"] = "Bearer " + token
    url = SERVER.rstrip("/") + "/v1/rewards/" + name
    last = None
    for attempt in range(_ATTEMPTS):
        try:
            request = _urlrequest.Request(url, data=body, headers=headers, method="POST")
            with _urlrequest.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
                out = _json.loads(response.read().decode("utf-8"))
            if len(out.get("rewards", [])) != len(items):
                raise RuntimeError("%s answered %d rewards for %d completions" % (url, len(out.get("rewards", [])), len(items)))
            return out
        except _urlerror.HTTPError as err:
            detail = err.read().decode("utf-8", "replace")
            if err.code < 500:
                raise RuntimeError("%s refused the request: HTTP %d %s" % (url, err.code, detail))
            last = "HTTP %d %s" % (err.code, detail)
        except (_urlerror.URLError, OSError) as err:
            last = str(err)
        _time.sleep(min(8.0, 0.5 * 2 ** attempt))
    raise RuntimeError("no answer from %s after %d attempts: %s" % (url, _ATTEMPTS, last))


def _strings(value):
    items = _as_list(value)
    return None if items is None else [v for v in items if isinstance(v, str)]


def _item(completion, AUs=None, labels=None, solution=None, prompt=None):
    """One completion as the server reads it (a completion that is not text is sent empty)."""
    text = completion_text(completion)
    item = {"completion": "" if text is None else text}
    if _strings(AUs) is not None:
        item["AUs"] = _strings(AUs)
    if _strings(labels) is not None:
        item["labels"] = _strings(labels)
    if isinstance(solution, str):
        item["solution"] = solution
    prompt_text = completion_text(prompt) if prompt is not None else None
    if prompt_text is not None:
        item["prompt"] = prompt_text
    return item


def _summed(items):
    """Every reward of the items, and their sum on its range and on [0, 1]."""
    per_name = {name: _post(name, items)["rewards"] for name in REWARDS}
    totals = [sum(values) for values in zip(*per_name.values())] if per_name else [0.0] * len(items)
    low = sum(lo for lo, _ in REWARDS.values())
    high = sum(hi for _, hi in REWARDS.values())
    units = [(t - low) / (high - low) for t in totals]
    return per_name, totals, units
`;
}

/** VLM-R1, the fork and TRL: one function per reward, fn(prompts=, completions=, **columns). */
const COLUMN_FUNCTIONS = String.raw`

# ---- one function per reward: fn(prompts=..., completions=..., **columns) -> list[float] ----
def _reward_function(name):
    def reward(completions, prompts=None, **kwargs):
        n = len(completions)
        columns = [_column(kwargs.get(key), n) for key in ("AUs", "labels", "solution")]
        items = [_item(c, a, l, s, p) for c, a, l, s, p in zip(completions, *columns, _column(prompts, n))]
        return _post(name, items)["rewards"] if items else []

    reward.__name__ = name + "_reward"
    return reward
`;

const VERL = String.raw`

# ---- verl custom_reward_function ---------------------------------------------------------
def _verl_item(solution_str, ground_truth, extra_info):
    aus, labels, solution = _truth_fields(ground_truth, extra_info)
    return _item(solution_str, aus, labels, solution)


def compute_score_batch(data_sources=None, solution_strs=None, ground_truths=None, extra_infos=None, **kwargs):
    """One dict per response: {"score": sum of the rewards, <name>: each}."""
    responses = list(solution_strs or [])
    n = len(responses)
    items = [_verl_item(r, t, e) for r, t, e in zip(responses, _column(ground_truths, n), _column(extra_infos, n))]
    if not items:
        return []
    per_name, totals, _units = _summed(items)
    return [dict({"score": totals[i]}, **{name: values[i] for name, values in per_name.items()}) for i in range(n)]


def compute_score(data_source=None, solution_str=None, ground_truth=None, extra_info=None, **kwargs):
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info])[0]


def compute_score_scalar(data_source=None, solution_str=None, ground_truth=None, extra_info=None, **kwargs):
    """The sum alone, a float (for reward_manager=prime)."""
    return compute_score(data_source, solution_str, ground_truth, extra_info)["score"]
`;

const EASYR1 = String.raw`

# ---- EasyR1 worker.reward.reward_function ------------------------------------------------
REWARD_TYPE = "batch"


def compute_score(reward_inputs, **kwargs):
    """[{"response", "response_length", "ground_truth"}] -> [{"overall", "score", <name>...}]."""
    items = [_item(r.get("response"), *_truth_fields(r.get("ground_truth"))) if isinstance(r, dict) else _item(None) for r in reward_inputs]
    if not items:
        return []
    per_name, totals, units = _summed(items)
    return [dict({"overall": totals[i], "score": units[i]}, **{name: values[i] for name, values in per_name.items()}) for i in range(len(items))]
`;

const OPENRLHF = String.raw`

# ---- OpenRLHF --remote_rm_url <this file>: reward_func(queries, prompts, labels) ---------
def reward_func(queries, prompts, labels, **kwargs):
    """{"rewards": sums, "scores": sums on [0, 1], "extra_logs": {<name>: values}}."""
    queries = list(queries)
    prompts = list(prompts) if prompts is not None else [None] * len(queries)
    labels = list(labels) if labels is not None else [None] * len(queries)
    items = []
    for i, (query, prompt, label) in enumerate(zip(queries, prompts, labels)):
        response, _method = extract_response(query, prompt)
        aus, label_list, solution = decode_label(label, i)
        items.append(_item(response, aus, label_list, solution, prompt))
    if not items:
        return {"rewards": [], "scores": [], "extra_logs": {}}
    per_name, totals, units = _summed(items)
    return {"rewards": totals, "scores": units, "extra_logs": per_name}
`;

function adapterFor(target: PluginTarget): string[] {
  switch (target) {
    case "vlm-r1":
    case "facial-r1":
      return [PY_COLUMN, COLUMN_FUNCTIONS, "\n\nREWARD_FUNCS = {name: _reward_function(name) for name in REWARDS}\n"];
    case "trl":
      return [PY_COLUMN, COLUMN_FUNCTIONS, "\n\nREWARD_FUNCS = [_reward_function(name) for name in REWARDS]\n"];
    case "verl":
      return [PY_GROUND_TRUTH, PY_COLUMN, VERL];
    case "easyr1":
      return [PY_GROUND_TRUTH, EASYR1];
    case "openrlhf":
      return [pyOpenRlhfRequest(), OPENRLHF];
  }
}

const USE: Record<PluginTarget, string> = {
  "vlm-r1": "Run train_grpo.py (next to this file) instead of grpo_jsonl.py with --reward_funcs <names>.",
  "facial-r1": "Run train_grpo.py (next to this file) instead of grpo_jsonl.py with --reward_funcs <names>.",
  trl: "GRPOTrainer(reward_funcs=REWARD_FUNCS, ...), with the data's AUs / labels (or solution) columns.",
  verl: "custom_reward_function.name=compute_score (compute_score_batch for reward_manager=batch, compute_score_scalar for prime).",
  easyr1: "worker.reward.reward_function=./facial_r1_rewards.py:compute_score (algorithm.filter_key=score to filter on [0, 1]).",
  openrlhf: "--remote_rm_url /path/to/facial_r1_rewards.py with --data.label_key naming the ground-truth field.",
};

/** The client plugin of `target` for rewards served by a facial-r1 reward server. */
export function renderRemotePlugin(target: PluginTarget, params: RemotePluginParams): PluginFile[] {
  if (params.rewards.length === 0) throw invalidInput("no TypeScript-defined reward to call: the server serves none (GET /v1/rewards is empty)");
  const listing = params.rewards.map((r) => `  ${r.name} on [${r.range[0]}, ${r.range[1]}]${r.description ? `: ${r.description}` : ""}`).join("\n");
  const docstring = `Rewards defined in TypeScript, computed by a facial-r1 reward server (${params.server};
FACIAL_R1_REWARD_URL overrides it, FACIAL_R1_REWARD_TOKEN is sent as the bearer token):
${listing}
${USE[target]}`;
  const body = [
    `${generatedHeader(target, "Facial-R1: client of a facial-r1 reward server (rewards defined in TypeScript).", true)}\n"""${docstring}\n"""`,
    client(params).trimEnd(),
    PY_COMPLETION_TEXT.trim(),
    ...adapterFor(target).map((part) => part.trim()),
  ].join("\n\n\n");
  const files: PluginFile[] = [{ path: "facial_r1_rewards.py", content: `${body}\n` }];
  if (target === "vlm-r1" || target === "facial-r1") files.push({ path: "train_grpo.py", content: renderLauncher({ target }) });
  return files;
}
