/** Batch reward bodies shared by the trainer targets (weighted, neutral 0.0 for non-text). */
export const PY_TRAINER_BATCH = String.raw`

# ---- batch rewards, weighted by the spec (the trainer sums them per completion) -----------
def _batch_format(texts):
    return [0.0 if t is None else format_score(t) * WEIGHTS["format"] for t in texts]


def _batch_accuracy(texts, labels, solutions, none_when_missing=False):
    """Without any ground truth: None (TRL) or the empty-truth value 0.5, weighted."""
    out = []
    for text, label, solution in zip(texts, labels, solutions):
        if text is None:
            out.append(0.0)
            continue
        value = accuracy_score(text, label, solution)
        if value is None and none_when_missing:
            out.append(None)
        else:
            out.append((0.5 if value is None else value) * WEIGHTS["accuracy"])
    return out


def _batch_au(texts, aus, solutions, beta=None, none_when_missing=False):
    """Without any ground truth: None (TRL) or the empty-truth value 0.0, weighted."""
    out = []
    for text, truth, solution in zip(texts, aus, solutions):
        if text is None:
            out.append(0.0)
            continue
        value = au_score(text, truth, solution, beta)
        if value is None and none_when_missing:
            out.append(None)
        else:
            out.append((0.0 if value is None else value) * WEIGHTS["au"])
    return out
`;
