/**
 * Multi-label classification (independent sigmoid outputs, several 0/1 labels per sample): per-label
 * scores and curves with micro, macro, weighted and per-sample averages, as scikit-learn computes
 * them on label-indicator matrices.
 */
import { oneVsRest, type OneVsRest } from './curves';
import { averageOrNull, macroAverage, microAverage, scoresFromCounts, weightedAverage, type AveragedScores, type ClassScores, type ScoreAverages } from './prf';
import { checkProbabilityRows, fail } from './validate';

export interface MultiLabelInput {
  /** One row per sample: 0 or 1 per label. */
  labels: readonly (readonly number[])[];
  /** One row per sample: a probability per label. */
  probabilities: readonly (readonly number[])[];
  labelNames: readonly string[];
  /** A label is predicted when its probability is ≥ threshold. Default 0.5. */
  threshold?: number;
}

export interface LabelMetrics extends ClassScores, OneVsRest {
  name: string;
}

export interface MultiLabelMetrics extends ScoreAverages {
  n: number;
  labelNames: string[];
  threshold: number;
  /** Samples whose whole label set is predicted exactly (accuracy_score on indicator matrices). */
  subsetAccuracy: number;
  /** Fraction of wrong label decisions (hamming_loss). */
  hammingLoss: number;
  perLabel: LabelMetrics[];
  /** Per-sample scores averaged over samples (average="samples"). */
  samples: AveragedScores;
  warnings: string[];
}

function checkInput(input: MultiLabelInput): number[][] {
  const width = input.labelNames.length;
  if (width < 1) fail('a multi-label classifier needs at least 1 label name');
  if (input.probabilities.length === 0) fail('no samples to evaluate');
  if (input.labels.length !== input.probabilities.length) {
    fail(`${input.labels.length} label rows for ${input.probabilities.length} prediction rows; the counts must match`);
  }
  checkProbabilityRows(input.probabilities, width, 'probability');
  input.labels.forEach((row, i) => {
    if (row.length !== width || row.some((v) => v !== 0 && v !== 1)) fail(`label row ${i} must hold ${width} values of 0 or 1`);
  });
  const threshold = input.threshold ?? 0.5;
  return input.probabilities.map((row) => row.map((p) => (p >= threshold ? 1 : 0)));
}

function perSampleAverage(labels: readonly (readonly number[])[], predicted: number[][]): AveragedScores {
  const rows = labels.map((row, i) => {
    const tp = row.reduce((a, v, j) => a + (v && predicted[i][j] ? 1 : 0), 0);
    return scoresFromCounts(tp, predicted[i].reduce((a, b) => a + b, 0), row.reduce((a, b) => a + b, 0));
  });
  const m = macroAverage(rows);
  return { ...m, support: labels.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0) };
}

export function evaluateMultiLabel(input: MultiLabelInput): MultiLabelMetrics {
  const predicted = checkInput(input);
  const n = predicted.length;
  const warnings: string[] = [];
  let tpAll = 0;
  let predictedAll = 0;
  let actualAll = 0;
  const perLabel = input.labelNames.map((name, j): LabelMetrics => {
    const positive = input.labels.map((row) => row[j] === 1);
    const column = input.probabilities.map((row) => row[j]);
    const tp = positive.filter((p, i) => p && predicted[i][j]).length;
    const predictedCount = predicted.filter((row) => row[j]).length;
    const actual = positive.filter(Boolean).length;
    tpAll += tp;
    predictedAll += predictedCount;
    actualAll += actual;
    const scores = scoresFromCounts(tp, predictedCount, actual);
    if (scores.undefinedMetrics.length) warnings.push(`label "${name}": ${scores.undefinedMetrics.join(', ')} ill-defined, set to 0`);
    const curves = oneVsRest(positive, column);
    if (curves.rocAuc === null) warnings.push(`ROC AUC of label "${name}" is undefined: it is ${actual ? 'on for every' : 'off for every'} sample`);
    return { name, ...scores, ...curves };
  });
  const support = perLabel.map((l) => l.support);
  const exact = input.labels.filter((row, i) => row.every((v, j) => v === predicted[i][j])).length;
  const wrong = input.labels.reduce((a, row, i) => a + row.filter((v, j) => v !== predicted[i][j]).length, 0);
  const ap = averageOrNull(perLabel.map((l) => l.averagePrecision), support);
  return {
    n,
    labelNames: [...input.labelNames],
    threshold: input.threshold ?? 0.5,
    subsetAccuracy: exact / n,
    hammingLoss: wrong / (n * input.labelNames.length),
    perLabel,
    micro: microAverage(tpAll, predictedAll, actualAll),
    macro: macroAverage(perLabel),
    weighted: weightedAverage(perLabel),
    samples: perSampleAverage(input.labels, predicted),
    rocAuc: averageOrNull(perLabel.map((l) => l.rocAuc), support),
    averagePrecision: { macro: ap.macro!, weighted: ap.weighted! },
    warnings,
  };
}
