"""The published reward semantics transcribed literally with Python's re (reference/method.md),
as an independent oracle for the facial-r1 preset: fullmatch with backtracking, findall, upper().

    python3 published_oracle.py VECTORS.jsonl   ->  one JSON line per vector it can score

Scores only well-formed vectors of the "facial-r1" spec (string completion, labels and AUs
lists of strings) without the "slow-regex" tag (inputs that make backtracking quadratic).
"""
import json
import re
import sys
import unicodedata


def format_reward(content):
    return 1.0 if re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", content, re.DOTALL) else 0.0


def accuracy_reward(content, labels):
    truth = labels[0].replace("<answer>", "").replace("</answer>", "").strip()
    if not truth:
        return 0.5
    answers = re.findall(r"<answer>(.*?)</answer>", content, re.DOTALL)
    predicted = answers[-1].strip() if answers else content.strip()
    return 1.0 if predicted == truth else 0.0


def au_reward(content, aus, beta=1.0):
    think = re.search(r"<think>(.*?)</think>", content, re.DOTALL | re.IGNORECASE)
    predicted = set(re.findall(r"AU\d+", think.group(1).upper())) if think else set()
    truth = set(s.upper() for s in aus)
    if not truth:
        return 0.0
    if not predicted:
        return -1.0
    intersection = len(predicted & truth)
    precision = intersection / len(predicted)
    recall = intersection / len(truth)
    f = (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall) if (precision + recall) else 0.0
    return 2 * f - 1


def well_formed(v):
    labels, aus = v.get("labels"), v.get("AUs")
    return (
        v["spec"] == "facial-r1"
        and "slow-regex" not in v.get("tags", [])
        and isinstance(v.get("completion"), str)
        and isinstance(labels, list) and labels and isinstance(labels[0], str)
        and isinstance(aus, list) and all(isinstance(a, str) for a in aus)
    )


def main():
    print(json.dumps({"unidata_version": unicodedata.unidata_version}))
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            v = json.loads(line)
            if not well_formed(v):
                continue
            c = v["completion"]
            fmt, acc, au = format_reward(c), accuracy_reward(c, v["labels"]), au_reward(c, v["AUs"])
            print(json.dumps({"id": v["id"], "format": fmt, "accuracy": acc, "au": au, "total": fmt + acc + au}))


if __name__ == "__main__":
    main()
