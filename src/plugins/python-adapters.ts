/** Python helpers shared by the trainer adapters (appended after the core). */

/** `_column`: a dataset column as a list of exactly n items. */
export const PY_COLUMN = String.raw`

def _column(values, n):
    """A dataset column as a list of n items (None where missing)."""
    if values is None:
        return [None] * n
    items = _as_list(values)
    if items is None:
        return [None] * n
    items = list(items)
    return items[:n] + [None] * (n - len(items)) if len(items) < n else items[:n]
`;

export const PY_COLUMN_HELPERS = String.raw`

# ---- batch helpers ----------------------------------------------------------------------${PY_COLUMN}

def _texts(completions):
    return [completion_text(c) for c in completions]
`;

/**
 * The rollout debug log that VLM-R1's own reward functions write (DEBUG_MODE=true, LOG_PATH),
 * so tools that read it keep working.
 */
export const PY_DEBUG_LOG = String.raw`

# ---- VLM-R1 rollout debug log (DEBUG_MODE=true, LOG_PATH=...) ----------------------------
import os as _os
from datetime import datetime as _datetime


def _debug_path(suffix):
    if _os.getenv("DEBUG_MODE") != "true" or not _os.getenv("LOG_PATH"):
        return None
    path = _os.getenv("LOG_PATH")
    return path.replace(".txt", suffix) if suffix else path


def _first(kwargs, name):
    values = kwargs.get(name)
    try:
        return values[0] if values is not None and len(values) > 0 else None
    except Exception:
        return None


def _log_accuracy(rewards, texts, solutions, kwargs):
    path = _debug_path(None)
    if path is None:
        return
    now = _datetime.now().strftime("%d-%H-%M-%S-%f")
    methods = _column(kwargs.get("accu_reward_method"), len(rewards))
    with open(path, "a", encoding="utf-8") as f:
        for reward, text, solution, method in zip(rewards, texts, solutions, methods):
            f.write("------------- %s Accuracy reward: %s -------------\n" % (now, reward))
            f.write("accu_reward_method: %s\n" % (method,))
            f.write("image_path: %s\n" % (_first(kwargs, "image_path"),))
            f.write("problem: %s\n" % (_first(kwargs, "problem"),))
            f.write("Content: %s\n" % (text,))
            f.write("Solution: %s\n" % (solution,))


def _log_format(texts):
    path = _debug_path("_format.txt")
    if path is None:
        return
    now = _datetime.now().strftime("%d-%H-%M-%S-%f")
    with open(path, "a", encoding="utf-8") as f:
        f.write("------------- %s Format reward -------------\n" % (now,))
        for text in texts:
            f.write("Content: %s\n" % (text,))
            f.write("Has format: %s\n" % (text is not None and format_score(text) == 1.0,))
`;

/** Ground truth of verl / EasyR1 rows: a dict, a JSON object string, or a plain label string. */
export const PY_GROUND_TRUTH = String.raw`

# ---- ground truth of verl / EasyR1 rows ------------------------------------------------------
import json as _json


def _truth_fields(ground_truth, extra_info=None):
    """(AUs, labels, solution) from a dict, a JSON object string or a plain answer string."""
    truth = ground_truth
    if isinstance(truth, str):
        stripped = truth.strip()
        if stripped.startswith("{"):
            try:
                parsed = _json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                truth = parsed
    fields = {}
    if isinstance(truth, dict):
        fields = dict(truth)
    elif isinstance(truth, str):
        fields = {"solution": truth}
    if isinstance(extra_info, dict):
        for key in ("AUs", "labels", "solution"):
            if fields.get(key) is None and extra_info.get(key) is not None:
                fields[key] = extra_info[key]
    return fields.get("AUs"), fields.get("labels"), fields.get("solution")
`;

/**
 * The total mapped to [0, 1] over the range the spec allows (format and accuracy in [0, 1],
 * AU in [-1, 1], times the weights, within the clamp): what the reward server reports as
 * `score`, for trainers that filter groups on a key in [0, 1].
 */
export const PY_UNIT_SCORE = String.raw`

# ---- the total on [0, 1] (the reward server's "score") -----------------------------------
def _total_range():
    low = high = 0.0
    for name, (a, b) in (("format", (0.0, 1.0)), ("accuracy", (0.0, 1.0)), ("au", (-1.0, 1.0))):
        w = WEIGHTS[name]
        low += min(w * a, w * b)
        high += max(w * a, w * b)
    if CLAMP is not None:
        low = min(max(low, CLAMP[0]), CLAMP[1])
        high = min(max(high, CLAMP[0]), CLAMP[1])
    return low, high


TOTAL_RANGE = _total_range()


def unit_score(total):
    """(total - min) / (max - min), clamped to [0, 1]."""
    low, high = TOTAL_RANGE
    span = high - low
    if not span > 0 or total != total or total in (float("inf"), float("-inf")):
        return 0.0
    s = (total - low) / span
    return 0.0 if s < 0 else (1.0 if s > 1 else s)
`;
