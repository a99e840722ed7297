/**
 * data.py: the spec's CSV/JSONL source and pipeline in plain Python. Exported from a run, the
 * fitted steps (standardize's means, tokenize's vocabulary, …) come from its preprocessing.json,
 * so the cluster trains on exactly the transform the editor's run fitted; from a spec, they are
 * fitted on the training split the same way. train.py shards the splits with DistributedSampler.
 */
import type { Analysis } from '../../core/analyze';
import { lookup, withDefaults } from '../../core/catalog';

const pyLiteral = (v: unknown): string => JSON.stringify(v).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None');

export function dataPy(a: Analysis, _file: string, fromRun: boolean): string {
  const d = a.spec.data;
  const src = d?.source ? { type: d.source.type, params: withDefaults(lookup('source', d.source.type)?.params ?? [], d.source.params) } : null;
  const steps = (d?.pipeline ?? []).map((s) => ({ type: s.type, params: withDefaults(lookup('step', s.type)?.params ?? [], s.params) }));
  const split = d?.validation?.split?.value ?? 0;
  return DATA_TEMPLATE.replace('@SOURCE@', pyLiteral(src)).replace('@STEPS@', pyLiteral(steps)).replace('@SPLIT@', String(split)).replace('@FROM_RUN@', fromRun ? 'True' : 'False');
}

const DATA_TEMPLATE = String.raw`"""The spec's data: its source and pipeline, in plain Python (csv, json: the standard library).

Exported from a run, the fitted steps come from preprocessing.json (the run's own fit); otherwise
they are fitted on the training split as the trainer fits them. The validation split is a seeded
shuffle of the samples (not the trainer's exact permutation)."""
import csv
import json
import os
import random
import re
from collections import Counter

import torch
from torch.utils.data import TensorDataset

SOURCE = @SOURCE@
STEPS = @STEPS@
VALIDATION_SPLIT = @SPLIT@
FROM_RUN = @FROM_RUN@
HERE = os.path.dirname(os.path.abspath(__file__))


def read_source():
    """(features, labels) as lists, one entry a sample."""
    kind, p = SOURCE["type"], SOURCE["params"]
    if kind not in ("csv", "jsonl"):
        raise SystemExit(f"data.py reads csv and jsonl sources; the spec's source is {kind}: give train.py a CSV or JSON Lines copy of it")
    path = os.environ.get("MODELYAML_DATA", os.path.join(HERE, p["path"]))
    if kind == "csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter=p.get("delimiter") or ","))
    else:
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    if p.get("text"):
        features = [str(r[p["text"]]) for r in rows]
    else:
        cols = p.get("features") or [c for c in rows[0] if c != p["label"]]
        features = [[float(r[c]) for c in cols] for r in rows]
    labels = [r[p["label"]] for r in rows]
    return features, labels


def _fitted():
    path = os.path.join(HERE, "preprocessing.json")
    if not FROM_RUN or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)["steps"]


def _tokens(text, p):
    text = text.lower() if p.get("lowercase", True) else text
    return list(text) if p.get("char_level") else [w for w in re.split(r"[\s!\"#$%&()*+,\-./:;<=>?@\[\\\]^_\x60{|}~\t\n]+", text) if w]


def apply_pipeline(x, y, fitted=None, fit=True):
    """The pipeline's steps on all samples; fitted state from the run or learnt from x (the training split)."""
    fitted = fitted or [None] * len(STEPS)
    learnt = []
    for step, state in zip(STEPS, fitted):
        kind, p = step["type"], step["params"]
        f = (state or {}).get("fitted") or {}
        if kind == "scale":
            x = [[v / p["divisor"] for v in row] for row in x] if isinstance(x[0], list) else [v / p["divisor"] for v in x]
        elif kind == "standardize":
            if not f:
                cols = list(zip(*x))
                mean = [sum(c) / len(c) for c in cols]
                std = [(sum((v - m) ** 2 for v in c) / len(c)) ** 0.5 for c, m in zip(cols, mean)]
                f = {"mean": mean, "std": std}
            x = [[(v - m) / (s or 1.0) for v, m, s in zip(row, f["mean"], f["std"])] for row in x]
        elif kind == "normalize":
            if not f:
                cols = list(zip(*x))
                f = {"min": [min(c) for c in cols], "max": [max(c) for c in cols]}
            x = [[(v - lo) / ((hi - lo) or 1.0) for v, lo, hi in zip(row, f["min"], f["max"])] for row in x]
        elif kind == "tokenize":
            if not f:
                counts = Counter(w for t in x for w in _tokens(t, p))
                f = {"vocabulary": [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1])][: p["num_words"] - 2]}
            index = {w: i + 2 for i, w in enumerate(f["vocabulary"])}
            x = [[index.get(w, 1) for w in _tokens(t, p)] for t in x]
        elif kind == "pad_sequences":
            n = p["maxlen"]
            out = []
            for s in x:
                s = (s[-n:] if p["truncating"] == "pre" else s[:n]) if len(s) > n else s
                pad = [p["value"]] * (n - len(s))
                out.append(pad + s if p["padding"] == "pre" else s + pad)
            x = out
        elif kind == "one_hot":
            k = p["classes"]
            y = [[1.0 if int(float(v)) == c else 0.0 for c in range(k)] for v in y]
        elif kind == "reshape":
            pass  # done on the tensor below
        else:
            raise SystemExit(f"data.py does not implement the pipeline step {kind} yet")
        learnt.append(f)
    return x, y, learnt


def _tensors(x, y):
    shape = next((s["params"]["shape"] for s in STEPS if s["type"] == "reshape"), None)
    xt = torch.tensor(x, dtype=torch.float32)
    if shape:
        xt = xt.reshape(len(x), *shape)
    yt = torch.tensor([[float(v)] if not isinstance(v, list) else v for v in y], dtype=torch.float32)
    return TensorDataset(xt, yt)


def splits():
    """(train, validation) TensorDatasets: a seeded split, then the pipeline fitted on the training part."""
    x, y = read_source()
    order = list(range(len(x)))
    random.Random(0).shuffle(order)
    n_val = int(round(len(x) * VALIDATION_SPLIT))
    val, train = order[:n_val], order[n_val:]
    fitted = _fitted()
    tx, ty, learnt = apply_pipeline([x[i] for i in train], [y[i] for i in train], fitted)
    states = [{"fitted": f} for f in learnt]
    vx, vy, _ = apply_pipeline([x[i] for i in val], [y[i] for i in val], states) if val else ([], [], None)
    return _tensors(tx, ty), (_tensors(vx, vy) if val else TensorDataset(torch.zeros(0), torch.zeros(0)))
`;
