"""Scores reward vectors with one emitted plugin target, the way its trainer calls it.

    python3 run_plugin.py TARGET VECTORS.jsonl SPEC=PLUGIN_DIR [SPEC=PLUGIN_DIR ...]

Prints one JSON line per vector, in order: {"id", "format", "accuracy", "au", "total"}. For the
targets whose trainer sums the reward functions (vlm-r1, facial-r1, trl) the components are the
functions' (weighted) outputs and total is their sum in that order; verl and easyr1 report what
the plugin returns. One process scores every vector (batches of up to 8, like a micro-batch).
"""
import importlib.util
import json
import sys
import unicodedata

BATCH = 8


def load(spec_name, directory):
    spec = importlib.util.spec_from_file_location("facial_r1_rewards_" + spec_name.replace("-", "_"), directory + "/facial_r1_rewards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def message(completion):
    return [{"role": "assistant", "content": completion}] if isinstance(completion, str) else completion


def column(batch, key):
    values = [v.get(key) for v in batch]
    return None if all(x is None for x in values) else values


def summed(f, a, u):
    total = None if a is None or u is None else f + a + u
    return {"format": f, "accuracy": a, "au": u, "total": total}


def score_batch(target, m, batch, offset):
    completions = [v.get("completion") for v in batch]
    aus, labels, solution = column(batch, "AUs"), column(batch, "labels"), column(batch, "solution")
    extra = {}
    if labels is not None:
        extra["labels"] = labels
    if target in ("vlm-r1", "facial-r1"):
        wrapped = [message(c) for c in completions]
        kw = {"prompts": [[{"role": "user", "content": "q"}]] * len(batch), "problem": ["q"] * len(batch)}
        if target == "facial-r1":
            kw["weights"] = [1.0] * len(batch)
        f = m.REWARD_FUNCS["format"](completions=wrapped, solution=solution, AUs=aus, **extra, **kw)
        a = m.REWARD_FUNCS["accuracy"](completions=wrapped, solution=solution, AUs=aus, **extra, **kw)
        u = m.REWARD_FUNCS["au"](completions=wrapped, solution=solution, AUs=aus, **extra, **kw)
        return [summed(*x) for x in zip(f, a, u)]
    if target == "trl":
        shaped = [message(c) if (offset + i) % 2 == 0 else c for i, c in enumerate(completions)]
        kw = {"prompts": ["q"] * len(batch), "completion_ids": [[1]] * len(batch)}
        if aus is not None:
            kw["AUs"] = aus
        if solution is not None:
            kw["solution"] = solution
        kw.update(extra)
        fmt_fn, acc_fn, au_fn = m.REWARD_FUNCS
        return [summed(*x) for x in zip(fmt_fn(completions=shaped, **kw), acc_fn(completions=shaped, **kw), au_fn(completions=shaped, **kw))]
    truths = [{k: v[k] for k in ("AUs", "labels", "solution") if k in v} for v in batch]
    if target == "verl":
        if offset % 16 == 0:
            results = m.compute_score_batch(data_sources=["facial"] * len(batch), solution_strs=completions, ground_truths=truths, extra_infos=[None] * len(batch))
        else:
            results = [m.compute_score(data_source="facial", solution_str=c, ground_truth=json.dumps(t) if i % 2 else t, extra_info=None) for i, (c, t) in enumerate(zip(completions, truths))]
        return [{"format": r["format"], "accuracy": r["accuracy"], "au": r["au"], "total": r["score"]} for r in results]
    if target == "easyr1":
        inputs = [{"response": c, "response_length": len(c) if isinstance(c, str) else 0, "ground_truth": t} for c, t in zip(completions, truths)]
        return [{"format": r["format"], "accuracy": r["accuracy"], "au": r["au"], "total": r["overall"]} for r in m.compute_score(inputs)]
    if target == "openrlhf":
        return [openrlhf_one(m, v, offset + i) for i, v in enumerate(batch)]
    raise SystemExit("unknown target " + target)


OPENRLHF_PROMPT = "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n"


def openrlhf_label(v, index):
    """The vector's ground truth as OpenRLHF sends it: a JSON string, the object, or a labels list;
    None when the truth has shapes a label cannot carry."""
    truth = {k: v[k] for k in ("AUs", "labels", "solution") if v.get(k) is not None}
    lists_ok = all(isinstance(truth.get(k, []), list) and all(isinstance(x, str) for x in truth.get(k, [])) for k in ("AUs", "labels"))
    if not truth or not lists_ok or not isinstance(truth.get("solution", ""), str):
        return None
    if index % 3 == 2 and set(truth) == {"labels"}:
        return truth["labels"]
    return truth if index % 3 == 1 else json.dumps(truth)


def openrlhf_one(m, v, index):
    """OpenRLHF's reward-file call: one sample, query = prompt + response + end token."""
    label = openrlhf_label(v, index)
    if not isinstance(v.get("completion"), str) or label is None:
        return {"skipped": True}
    out = m.reward_func([OPENRLHF_PROMPT + v["completion"] + "<|im_end|>"], [OPENRLHF_PROMPT], [label])
    logs = out["extra_logs"]
    return {"format": logs["format_reward"][0], "accuracy": logs["accuracy_reward"][0], "au": logs["au_reward"][0], "total": out["rewards"][0], "score": out["scores"][0]}


def main():
    target, vectors_path = sys.argv[1], sys.argv[2]
    modules = {}
    for pair in sys.argv[3:]:
        name, directory = pair.split("=", 1)
        modules[name] = load(name, directory)
    with open(vectors_path, encoding="utf-8") as f:
        vectors = [json.loads(line) for line in f if line.strip()]
    out = sys.stdout
    out.write(json.dumps({"unidata_version": unicodedata.unidata_version}) + "\n")
    i = 0
    while i < len(vectors):
        spec = vectors[i]["spec"]
        j = i
        while j < len(vectors) and j - i < BATCH and vectors[j]["spec"] == spec:
            j += 1
        batch = vectors[i:j]
        for v, r in zip(batch, score_batch(target, modules[spec], batch, i)):
            r["id"] = v["id"]
            out.write(json.dumps(r) + "\n")
        i = j


if __name__ == "__main__":
    main()
