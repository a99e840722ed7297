/**
 * Predictions scored by the kind of labels a run was trained with (its preprocessing.json): the
 * trainer's `evaluate` and the exporters' accuracy check share this, so both read labels alike.
 */
import type { Preprocessing } from '../protocol/preprocessing';
import { evaluateClassification, type ClassificationMetrics } from './classification';
import { evaluateRegression, type RegressionMetrics } from './regression';

export type ScoredPredictions = { task: 'regression'; metrics: RegressionMetrics } | { task: 'classification'; metrics: ClassificationMetrics } | { task: 'unsupported'; kind: string };

const argmax = (r: readonly number[]) => r.reduce((best, v, i) => (v > r[best] ? i : best), 0);

/** Scores `predicted` (one row per sample) against `actual` (the label rows the pipeline made). */
export function scorePredictions(pre: Pick<Preprocessing, 'labels' | 'input'>, actual: readonly (readonly number[])[], predicted: readonly (readonly number[])[]): ScoredPredictions {
  const { labels } = pre;
  const names = (k: number) => Array.from({ length: k }, (_, i) => labels.names?.[i] ?? String(i));
  if (labels.kind === 'continuous') {
    const outputNames = actual[0]?.length === 1 ? [pre.input.label ?? 'target'] : names(actual[0]?.length ?? 0);
    return { task: 'regression', metrics: evaluateRegression({ actual, predicted, outputNames }) };
  }
  if (labels.kind === 'one_hot' || labels.kind === 'class_index' || labels.kind === 'binary') {
    const classLabels = labels.kind === 'one_hot' ? actual.map(argmax) : actual.map((r) => r[0]);
    const k = labels.kind === 'one_hot' ? actual[0]?.length ?? 0 : labels.classes ?? Math.max(2, predicted[0]?.length ?? 0);
    return { task: 'classification', metrics: evaluateClassification({ labels: classLabels, probabilities: predicted, classNames: names(k) }) };
  }
  return { task: 'unsupported', kind: labels.kind };
}
