/**
 * Single-label classification metrics from true class indices and predicted probability rows,
 * each equal to its scikit-learn counterpart on the same predictions (see docs/evaluation.md).
 */
import { thresholdSweep, type ThresholdSweep } from './binary';
import { calibrationBins, type Calibration } from './calibration';
import { oneVsRest, type OneVsRest } from './curves';
import { averageOrNull, macroAverage, microAverage, scoresFromCounts, weightedAverage, type ClassScores, type ScoreAverages } from './prf';
import { checkClassIndices, checkProbabilityRows, fail } from './validate';

export interface ClassificationInput {
  /** True class index per sample, 0 … classNames.length − 1. */
  labels: readonly number[];
  /** One row per sample: a probability per class (or, for two classes, one positive-class column). */
  probabilities: readonly (readonly number[])[];
  classNames: readonly string[];
}

export interface ClassificationOptions {
  /** The k of each top-k accuracy; those ≥ the class count are left out. Default [2, 3, 5]. */
  topK?: readonly number[];
  /** Reliability bins of the calibration curve. Default 10. */
  calibrationBins?: number;
}

export interface ClassMetrics extends ClassScores, OneVsRest {
  name: string;
}

export interface ClassificationMetrics extends ScoreAverages {
  n: number;
  classNames: string[];
  accuracy: number;
  topK: { k: number; accuracy: number }[];
  logLoss: number;
  /** Each sample's true class index (as given). */
  labels: number[];
  /** Argmax of each probability row (the first of equal maxima). */
  predicted: number[];
  /** The probability of each sample's predicted class. */
  confidence: number[];
  perClass: ClassMetrics[];
  /** Whether the micro average equals accuracy, so a report prints an "accuracy" row instead. */
  microIsAccuracy: boolean;
  /** confusionMatrix[true][predicted] = count. */
  confusionMatrix: number[][];
  /** Binary: the positive class's reliability; more classes: top-label confidence. */
  calibration: Calibration & { kind: 'positive-class' | 'top-label' };
  /** Binary only: metrics across thresholds of the positive (second) class's probability. */
  thresholds: ThresholdSweep | null;
  warnings: string[];
}

/** float64 machine epsilon: scikit-learn's log_loss(eps="auto") clips to [eps, 1 − eps]. */
const EPS = 2 ** -52;

function normalizeInput(input: ClassificationInput): number[][] {
  const k = input.classNames.length;
  if (k < 2) fail(`a classifier needs at least 2 class names; got ${k}`);
  const n = input.probabilities.length;
  if (n === 0) fail('no samples to evaluate');
  const twoFromOne = k === 2 && input.probabilities.every((r) => r.length === 1);
  const rows = input.probabilities.map((r) => (twoFromOne ? [1 - r[0], r[0]] : [...r]));
  checkProbabilityRows(rows, k, 'probability');
  checkClassIndices(input.labels, k, n);
  return rows;
}

export function argmaxRows(rows: readonly (readonly number[])[]): number[] {
  return rows.map((r) => r.reduce((best, v, j) => (v > r[best] ? j : best), 0));
}

export function confusionMatrix(labels: readonly number[], predicted: readonly number[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  labels.forEach((t, i) => m[t][predicted[i]]++);
  return m;
}

/** As `top_k_accuracy_score(labels=range(k))`: binary thresholds p₁ > 0.5; more classes rank by a stable sort, later classes first among ties. */
export function topKAccuracy(labels: readonly number[], rows: readonly (readonly number[])[], k: number): number {
  const classes = rows[0].length;
  let hits = 0;
  labels.forEach((t, i) => {
    const r = rows[i];
    if (classes === 2) {
      hits += k >= 2 || (r[1] > 0.5 ? 1 : 0) === t ? 1 : 0;
      return;
    }
    let ahead = 0;
    for (let j = 0; j < classes; j++) if (r[j] > r[t] || (r[j] === r[t] && j > t)) ahead++;
    hits += ahead < k ? 1 : 0;
  });
  return hits / labels.length;
}

/** As `log_loss(eps="auto", labels=range(k))`: clip to [eps, 1 − eps], renormalise rows, mean −log p(true). */
export function logLoss(labels: readonly number[], rows: readonly (readonly number[])[]): number {
  let total = 0;
  labels.forEach((t, i) => {
    const clipped = rows[i].map((p) => Math.min(Math.max(p, EPS), 1 - EPS));
    const sum = clipped.reduce((a, b) => a + b, 0);
    total -= Math.log(clipped[t] / sum);
  });
  return total / labels.length;
}

function perClassMetrics(input: ClassificationInput, rows: number[][], cm: number[][], warnings: string[]): ClassMetrics[] {
  const k = input.classNames.length;
  return input.classNames.map((name, c) => {
    const predictedCount = cm.reduce((a, row) => a + row[c], 0);
    const actual = cm[c].reduce((a, b) => a + b, 0);
    const scores = scoresFromCounts(cm[c][c], predictedCount, actual);
    const positive = input.labels.map((t) => t === c);
    const column = rows.map((r) => r[c]);
    const curves = oneVsRest(positive, column);
    if (curves.rocAuc === null && k > 2) warnings.push(`ROC AUC of class "${name}" is undefined: the split has ${actual ? 'only this class' : 'no sample of it'}`);
    if (scores.undefinedMetrics.length) {
      warnings.push(`class "${name}": ${scores.undefinedMetrics.join(', ')} ill-defined (no ${predictedCount ? 'true' : 'predicted'} samples), set to 0`);
    }
    return { name, ...scores, ...curves };
  });
}

export function evaluateClassification(input: ClassificationInput, options: ClassificationOptions = {}): ClassificationMetrics {
  const rows = normalizeInput(input);
  const k = input.classNames.length;
  const n = rows.length;
  const labels = input.labels;
  const predicted = argmaxRows(rows);
  const cm = confusionMatrix(labels, predicted, k);
  const warnings: string[] = [];
  const perClass = perClassMetrics(input, rows, cm, warnings);
  const support = perClass.map((c) => c.support);
  const correct = labels.filter((t, i) => t === predicted[i]).length;
  const present = new Set([...labels, ...predicted]);
  const binary = k === 2;
  const positive = labels.map((t) => t === 1);
  const rocAucSummary = binary
    ? { macro: perClass[1].rocAuc, weighted: perClass[1].rocAuc }
    : averageOrNull(perClass.map((c) => c.rocAuc), support);
  const ap = binary
    ? { macro: perClass[1].averagePrecision, weighted: perClass[1].averagePrecision }
    : averageOrNull(perClass.map((c) => c.averagePrecision), support);
  if (binary && perClass[1].rocAuc === null) warnings.push('ROC AUC is undefined: the split holds only one class');
  const calibration = binary
    ? { kind: 'positive-class' as const, ...calibrationBins(positive, rows.map((r) => r[1]), options.calibrationBins) }
    : { kind: 'top-label' as const, ...calibrationBins(labels.map((t, i) => t === predicted[i]), rows.map((r, i) => r[predicted[i]]), options.calibrationBins) };
  return {
    n,
    classNames: [...input.classNames],
    accuracy: correct / n,
    topK: (options.topK ?? [2, 3, 5]).filter((kk) => kk < k).map((kk) => ({ k: kk, accuracy: topKAccuracy(labels, rows, kk) })),
    logLoss: logLoss(labels, rows),
    labels: [...labels],
    predicted,
    confidence: rows.map((r, i) => r[predicted[i]]),
    perClass,
    macro: macroAverage(perClass),
    weighted: weightedAverage(perClass),
    micro: microAverage(correct, n, n),
    microIsAccuracy: present.size === k,
    rocAuc: rocAucSummary,
    averagePrecision: { macro: ap.macro!, weighted: ap.weighted! },
    confusionMatrix: cm,
    calibration,
    thresholds: binary ? thresholdSweep(positive, rows.map((r) => r[1])) : null,
    warnings,
  };
}
