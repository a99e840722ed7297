/**
 * Threshold curves of one binary problem (a class against the rest), computed as scikit-learn's
 * `_binary_clf_curve`, `roc_curve(drop_intermediate=True)`, `precision_recall_curve`,
 * `average_precision_score` and `auc` compute them, so the numbers agree to rounding.
 */

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Descending; the first is the highest score + 1 (scikit-learn 1.2's convention). */
  thresholds: number[];
}

export interface PrCurve {
  /** Recall decreasing, ending in precision 1 at recall 0 (no threshold for that last point). */
  precision: number[];
  recall: number[];
  /** Ascending; one fewer than precision/recall. */
  thresholds: number[];
}

/** Cumulative false/true positive counts at each distinct score, highest score first. */
export interface ClfCounts {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

export function binaryClfCurve(positive: readonly boolean[], scores: readonly number[]): ClfCounts {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let i = 0; i < order.length; i++) {
    if (positive[order[i]]) tp++;
    const last = i === order.length - 1;
    if (last || scores[order[i]] !== scores[order[i + 1]]) {
      tps.push(tp);
      fps.push(i + 1 - tp);
      thresholds.push(scores[order[i]]);
    }
  }
  return { fps, tps, thresholds };
}

/** A point is dropped when both counts lie on a straight line through its neighbours. */
function keepCorners(c: ClfCounts): ClfCounts {
  if (c.fps.length <= 2) return c;
  const keep = c.fps.map((_, i) => {
    if (i === 0 || i === c.fps.length - 1) return true;
    const bend = (v: number[]) => v[i + 1] - v[i] - (v[i] - v[i - 1]) !== 0;
    return bend(c.fps) || bend(c.tps);
  });
  const pick = (v: number[]) => v.filter((_, i) => keep[i]);
  return { fps: pick(c.fps), tps: pick(c.tps), thresholds: pick(c.thresholds) };
}

/** Rates are NaN when the split has no negatives (fpr) or no positives (tpr), as in scikit-learn. */
export function rocCurve(positive: readonly boolean[], scores: readonly number[]): RocCurve {
  const c = keepCorners(binaryClfCurve(positive, scores));
  const fps = [0, ...c.fps];
  const tps = [0, ...c.tps];
  const lastF = fps[fps.length - 1];
  const lastT = tps[tps.length - 1];
  return {
    fpr: fps.map((f) => (lastF > 0 ? f / lastF : NaN)),
    tpr: tps.map((t) => (lastT > 0 ? t / lastT : NaN)),
    thresholds: [c.thresholds[0] + 1, ...c.thresholds],
  };
}

/** Without positives recall is 1 at every threshold, as scikit-learn sets it (with a warning). */
export function precisionRecallCurve(positive: readonly boolean[], scores: readonly number[]): PrCurve {
  const c = binaryClfCurve(positive, scores);
  const totalPositives = c.tps[c.tps.length - 1];
  const precision = c.tps.map((t, i) => (t + c.fps[i] !== 0 ? t / (t + c.fps[i]) : 0));
  const recall = c.tps.map((t) => (totalPositives === 0 ? 1 : t / totalPositives));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...c.thresholds].reverse(),
  };
}

/** Step-wise area under the precision-recall curve: Σ (Rₙ − Rₙ₋₁) Pₙ. */
export function averagePrecision(curve: PrCurve): number {
  let sum = 0;
  for (let i = 0; i < curve.recall.length - 1; i++) sum += (curve.recall[i + 1] - curve.recall[i]) * curve.precision[i];
  return -sum;
}

/** Trapezoidal area under a monotonic curve, as `sklearn.metrics.auc`. */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < x.length; i++) {
    if (x[i] < x[i - 1]) increasing = false;
    if (x[i] > x[i - 1]) decreasing = false;
  }
  if (!increasing && !decreasing) throw new Error('trapezoidArea: x is neither increasing nor decreasing');
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return increasing ? area : -area;
}

/** ROC AUC of one binary problem, or null where scikit-learn refuses (only one class present). */
export function rocAuc(positive: readonly boolean[], scores: readonly number[]): { curve: RocCurve; auc: number | null } {
  const curve = rocCurve(positive, scores);
  const positives = positive.filter(Boolean).length;
  const defined = positives > 0 && positives < positive.length;
  return { curve, auc: defined ? trapezoidArea(curve.fpr, curve.tpr) : null };
}

/** One class (or label) against the rest: both curves and their areas. */
export interface OneVsRest {
  roc: RocCurve;
  /** Null where every sample, or none, is of this class: scikit-learn refuses to score it. */
  rocAuc: number | null;
  pr: PrCurve;
  averagePrecision: number;
}

export function oneVsRest(positive: readonly boolean[], scores: readonly number[]): OneVsRest {
  const { curve, auc } = rocAuc(positive, scores);
  const pr = precisionRecallCurve(positive, scores);
  return { roc: curve, rocAuc: auc, pr, averagePrecision: averagePrecision(pr) };
}
