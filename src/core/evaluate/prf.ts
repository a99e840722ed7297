/**
 * Precision, recall, F1 and support from counts, with scikit-learn's `zero_division="warn"`
 * behaviour: an ill-defined ratio (0/0) is 0 and is named in `undefinedMetrics`.
 */

export type UndefinedMetric = 'precision' | 'recall' | 'f1';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** Ratios that were 0/0 and set to 0, as scikit-learn does with an UndefinedMetricWarning. */
  undefinedMetrics: UndefinedMetric[];
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The averages every classifier's result carries (single-label or multi-label). */
export interface ScoreAverages {
  micro: AveragedScores;
  macro: AveragedScores;
  weighted: AveragedScores;
  /** ROC AUC: binary = the positive (second) class's; otherwise one-vs-rest averages; null where undefined. */
  rocAuc: { macro: number | null; weighted: number | null };
  /** Average precision, averaged as rocAuc is. */
  averagePrecision: { macro: number; weighted: number };
}

export function scoresFromCounts(tp: number, predicted: number, actual: number): ClassScores {
  const undefinedMetrics: UndefinedMetric[] = [];
  const precision = predicted === 0 ? 0 : tp / predicted;
  const recall = actual === 0 ? 0 : tp / actual;
  if (predicted === 0) undefinedMetrics.push('precision');
  if (actual === 0) undefinedMetrics.push('recall');
  // scikit-learn 1.2: F = 2·P·R / (P + R), with a zero denominator counted as 1.
  const denominator = precision + recall;
  const f1 = (2 * precision * recall) / (denominator === 0 ? 1 : denominator);
  if (denominator === 0) undefinedMetrics.push('f1');
  return { precision, recall, f1, support: actual, undefinedMetrics };
}

/**
 * A sum in numpy's order (`np.add.reduce`: pairwise, eight running sums in blocks of up to 128),
 * so means over many samples or classes round as scikit-learn's do: a report's two digits can
 * flip on the last bit of a sum.
 */
export function numpySum(v: readonly number[], from = 0, n = v.length): number {
  if (n < 8) {
    let s = 0;
    for (let i = from; i < from + n; i++) s += v[i];
    return s;
  }
  if (n <= 128) {
    const r = v.slice(from, from + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += v[from + i + j];
    let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) s += v[from + i];
    return s;
  }
  const half = Math.floor(n / 2) - (Math.floor(n / 2) % 8);
  return numpySum(v, from, half) + numpySum(v, from + half, n - half);
}

const mean = (v: readonly number[]) => numpySum(v) / v.length;

export function macroAverage(rows: readonly ClassScores[]): AveragedScores {
  return {
    precision: mean(rows.map((r) => r.precision)),
    recall: mean(rows.map((r) => r.recall)),
    f1: mean(rows.map((r) => r.f1)),
    support: rows.reduce((a, r) => a + r.support, 0),
  };
}

/** Averages weighted by support; an all-zero support gives 0 as scikit-learn's zero_division does. */
export function weightedAverage(rows: readonly ClassScores[]): AveragedScores {
  const support = rows.reduce((a, r) => a + r.support, 0);
  const weigh = (pick: (r: ClassScores) => number) => (support === 0 ? 0 : numpySum(rows.map((r) => pick(r) * r.support)) / support);
  return { precision: weigh((r) => r.precision), recall: weigh((r) => r.recall), f1: weigh((r) => r.f1), support };
}

/** Micro averages: the counts pooled over classes, then one ratio. */
export function microAverage(tp: number, predicted: number, actual: number): AveragedScores {
  const s = scoresFromCounts(tp, predicted, actual);
  return { precision: s.precision, recall: s.recall, f1: s.f1, support: actual };
}

/** Macro and support-weighted means of a per-class value; null where any class's value is null (scikit-learn raises there). */
export function averageOrNull(values: readonly (number | null)[], support: readonly number[]): { macro: number | null; weighted: number | null } {
  if (values.some((v) => v === null)) return { macro: null, weighted: null };
  const v = values as number[];
  const total = support.reduce((a, b) => a + b, 0);
  return {
    macro: mean(v),
    weighted: total === 0 ? 0 : numpySum(v.map((x, i) => x * support[i])) / total,
  };
}
