"""Optuna's side of bench/search.mjs: the same problems, seeds and budget through Optuna's own
TPESampler and RandomSampler (their defaults, seeded). Reads the problems as JSON on stdin;
writes every trial's observed and true (noiseless) value as JSON on stdout. The objectives are
bench/search.mjs's, written again here (keep the two in step)."""
import json
import math
import sys

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)

HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(p):
    x = [p[f"x{j}"] for j in range(1, 7)]
    return -sum(HARTMANN_ALPHA[i] * math.exp(-sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))) for i in range(4))


def quadratic(p):
    return (p["x"] - 1) ** 2 / 4 + (math.log10(p["lr"]) + 3) ** 2 / 4 + ((p["units"] - 128) / 128) ** 2 + (0 if p["act"] == "gelu" else 0.5)


OBJECTIVES = {"branin": branin, "hartmann6": hartmann6, "noisy-quadratic": quadratic}


def suggest(trial, param):
    name, d = param["path"], param["dist"]
    if d["kind"] == "uniform":
        return trial.suggest_float(name, d["low"], d["high"])
    if d["kind"] == "loguniform":
        return trial.suggest_float(name, d["low"], d["high"], log=True)
    if d["kind"] == "int":
        return trial.suggest_int(name, d["low"], d["high"], step=d["step"], log=d.get("log", False))
    return trial.suggest_categorical(name, d["values"])


def run(problem, sampler_name, seed, trials):
    sampler = optuna.samplers.TPESampler(seed=seed) if sampler_name == "tpe" else optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    noise = np.random.RandomState(10_000 + seed)
    observed, true = [], []
    f = OBJECTIVES[problem["name"]]
    for _ in range(trials):
        trial = study.ask()
        value = f({p["path"]: suggest(trial, p) for p in problem["space"]})
        seen = value + (noise.normal(0, problem["noise"]) if problem["noise"] else 0.0)
        study.tell(trial, seen)
        observed.append(seen)
        true.append(value)
    return {"observed": observed, "true": true}


def main():
    cfg = json.load(sys.stdin)
    out = {"optuna": optuna.__version__, "runs": {}}
    for problem in cfg["problems"]:
        out["runs"][problem["name"]] = {s: [run(problem, s, seed, cfg["trials"]) for seed in cfg["seeds"]] for s in cfg["samplers"]}
    json.dump(out, sys.stdout)


main()
