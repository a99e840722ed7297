#!/usr/bin/env python3
"""scikit-learn's numbers for the evaluation tests (test/core/evaluate.sklearn.test.ts).

Reads {"cases": [...]} as JSON on stdin and prints {"sklearn": version, "results": [...]}: for
each case the metrics that src/core/evaluate/ computes, as scikit-learn computes them. NaN and
infinities print as null (JSON has neither). Run by Debian's /usr/bin/python3 (python3-sklearn).
"""
import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics as m
from sklearn.calibration import calibration_curve

warnings.simplefilter("ignore")


def clean(value):
    """numpy values to JSON: arrays to lists, NaN/inf to None."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def or_none(fn):
    """scikit-learn raises where a metric is undefined; the evaluation reports null there."""
    try:
        return fn()
    except ValueError:
        return None


def binary_curves(pos, score):
    fpr, tpr, roc_thr = m.roc_curve(pos, score, drop_intermediate=True)
    precision, recall, pr_thr = m.precision_recall_curve(pos, score)
    return {
        "roc": {"fpr": fpr, "tpr": tpr, "thresholds": roc_thr},
        "rocAuc": or_none(lambda: m.roc_auc_score(pos, score)),
        "pr": {"precision": precision, "recall": recall, "thresholds": pr_thr},
        "averagePrecision": m.average_precision_score(pos, score),
    }


def calibration(pos, prob, n_bins):
    prob_true, prob_pred = calibration_curve(pos, prob, n_bins=n_bins, strategy="uniform")
    binids = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], prob)
    total = np.bincount(binids, minlength=n_bins)
    nonzero = total != 0
    ece = np.sum(total[nonzero] / len(prob) * np.abs(prob_true - prob_pred))
    return {"fractionPositive": prob_true, "meanPredicted": prob_pred, "counts": total[nonzero],
            "bins": np.nonzero(nonzero)[0], "ece": ece}


def threshold_sweep(y, p1):
    precision, recall, thresholds = m.precision_recall_curve(y, p1)
    p, r = precision[:-1], recall[:-1]
    f1 = np.where(p + r == 0, 0.0, 2 * p * r / np.where(p + r == 0, 1, p + r))
    rows = []
    for t in thresholds:
        pred = (p1 >= t).astype(int)
        tn, fp, fn, tp = m.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        rows.append({"threshold": t, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                     "accuracy": m.accuracy_score(y, pred)})
    best = int(np.argmax(f1))
    return {"rows": rows, "precision": p, "recall": r, "f1": f1,
            "best": {"threshold": thresholds[best], "f1": f1[best]}}


def averages(y, pred, labels):
    out = {}
    for avg in ("micro", "macro", "weighted", "samples") if np.ndim(y) == 2 else ("micro", "macro", "weighted"):
        p, r, f, _ = m.precision_recall_fscore_support(y, pred, labels=labels, average=avg, zero_division="warn")
        out[avg] = {"precision": p, "recall": r, "f1": f}
    return out


def classification(case):
    y = np.array(case["labels"])
    proba = np.array(case["probabilities"], dtype=float)
    if proba.shape[1] == 1:
        proba = np.hstack([1 - proba, proba])
    k = proba.shape[1]
    labels = list(range(k))
    pred = np.argmax(proba, axis=1)
    p, r, f, s = m.precision_recall_fscore_support(y, pred, labels=labels, zero_division="warn")
    binary = k == 2
    onehot = np.eye(k)[y]
    out = {
        "accuracy": m.accuracy_score(y, pred),
        "topK": [{"k": kk, "accuracy": m.top_k_accuracy_score(y, proba[:, 1] if binary else proba, k=kk, labels=labels)}
                 for kk in case.get("topK", [])],
        "logLoss": m.log_loss(y, proba, labels=labels),
        "perClass": [dict(precision=p[c], recall=r[c], f1=f[c], support=s[c], **binary_curves(y == c, proba[:, c])) for c in labels],
        "confusionMatrix": m.confusion_matrix(y, pred, labels=labels),
        "report2": m.classification_report(y, pred, labels=labels, target_names=case["classNames"], zero_division="warn"),
        "report4": m.classification_report(y, pred, labels=labels, target_names=case["classNames"], digits=4, zero_division="warn"),
        **averages(y, pred, labels),
    }
    if binary:
        auc = or_none(lambda: m.roc_auc_score(y, proba[:, 1]))
        ap = m.average_precision_score(y, proba[:, 1])
        out["rocAuc"] = {"macro": auc, "weighted": auc}
        out["averagePrecision"] = {"macro": ap, "weighted": ap}
        out["calibration"] = calibration(y == 1, proba[:, 1], 10)
        out["thresholds"] = threshold_sweep(y, proba[:, 1])
    else:
        out["rocAuc"] = {a: or_none(lambda a=a: m.roc_auc_score(y, proba, multi_class="ovr", average=a, labels=labels))
                         for a in ("macro", "weighted")}
        out["averagePrecision"] = {a: m.average_precision_score(onehot, proba, average=a) for a in ("macro", "weighted")}
        out["calibration"] = calibration(pred == y, proba[np.arange(len(y)), pred], 10)
    return out


def multilabel(case):
    y = np.array(case["labels"])
    proba = np.array(case["probabilities"], dtype=float)
    pred = (proba >= case.get("threshold", 0.5)).astype(int)
    labels = list(range(y.shape[1]))
    p, r, f, s = m.precision_recall_fscore_support(y, pred, zero_division="warn")
    return {
        "subsetAccuracy": m.accuracy_score(y, pred),
        "hammingLoss": m.hamming_loss(y, pred),
        "perLabel": [dict(precision=p[j], recall=r[j], f1=f[j], support=s[j], **binary_curves(y[:, j] == 1, proba[:, j])) for j in labels],
        "rocAuc": {a: or_none(lambda a=a: m.roc_auc_score(y, proba, average=a)) for a in ("macro", "weighted")},
        "averagePrecision": {a: m.average_precision_score(y, proba, average=a) for a in ("macro", "weighted")},
        "report2": m.classification_report(y, pred, target_names=case["labelNames"], zero_division="warn"),
        **averages(y, pred, labels),
    }


def regression(case):
    y = np.array(case["actual"], dtype=float)
    yhat = np.array(case["predicted"], dtype=float)
    return {
        "outputs": [{"mae": m.mean_absolute_error(y[:, j], yhat[:, j]), "mse": m.mean_squared_error(y[:, j], yhat[:, j]),
                     "rmse": m.mean_squared_error(y[:, j], yhat[:, j], squared=False), "r2": m.r2_score(y[:, j], yhat[:, j])}
                    for j in range(y.shape[1])],
        "mae": m.mean_absolute_error(y, yhat),
        "mse": m.mean_squared_error(y, yhat),
        "rmse": m.mean_squared_error(y, yhat, squared=False),
        "r2": m.r2_score(y, yhat),
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    kinds = {"classification": classification, "multilabel": multilabel, "regression": regression}
    results = [clean(kinds[c["kind"]](c)) for c in cases]
    json.dump({"sklearn": sklearn.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
