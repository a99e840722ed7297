/**
 * Which metrics a run's predictions get, from the labels it trained with (preprocessing.json's
 * `labels`) and its loss: regression for continuous labels; classification for class indices,
 * one-hot vectors, 0/1 labels with one unit and −1/+1 (`signed`) labels; multi-label for 0/1 label
 * vectors of several independent units. The model's outputs become the probabilities the metrics
 * take: logits (`from_logits`) through sigmoid or softmax, margin scores (hinge, signed labels)
 * mapped monotonically onto [0, 1] with the boundary at 0.5.
 */
import type { Preprocessing } from '../protocol/preprocessing';
import type { ItemValue } from '../spec';
import { evaluateClassification } from './classification';
import { evaluateMultiLabel } from './multilabel';
import { evaluateRegression } from './regression';
import { classificationSummary, multiLabelSummary, regressionReport } from './report';
import { classificationJson, multiLabelJson, regressionJson, type EvaluationContext, type EvaluationJson } from './schema';

/** An evaluation document and its text report. */
export interface ScoredPart {
  evaluation: EvaluationJson;
  report: string;
}

/** What decides the scoring: the labels as trained, the label column's name, and the run's loss when known. */
export interface Scoring {
  labels: Preprocessing['labels'];
  labelColumn?: string;
  loss?: ItemValue;
  /** The last layer's activation (tfjs's name: "linear", "tanh", "sigmoid", …), for margin scores. */
  outputActivation?: string;
}

const MARGIN_LOSSES = new Set(['hinge']);

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
function softmax(row: readonly number[]): number[] {
  const top = Math.max(...row);
  const e = row.map((z) => Math.exp(z - top));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
/**
 * A margin score (a unit trained for −1/+1) as the probability of +1, monotone so the curves keep
 * the model's ranking, and 0.5 at the boundary 0 so the predicted class is the score's sign: a
 * tanh unit's s = tanh(z) gives (s + 1) / 2 = σ(2z); a linear unit's raw z gives the same σ(2z).
 */
const marginToProbability = (linear: boolean) => (linear ? (z: number) => sigmoid(2 * z) : (s: number) => (Math.min(1, Math.max(-1, s)) + 1) / 2);
const argmax = (r: readonly number[]) => r.reduce((best, v, i) => (v > r[best] ? i : best), 0);

/** The model's output rows as probabilities: `independent` units (sigmoid) or one distribution per row (softmax). */
function probabilities(predicted: number[][], s: Scoring, independent: boolean): number[][] {
  const margin = s.labels.kind === 'signed' || MARGIN_LOSSES.has(s.loss?.type ?? '');
  if (margin) {
    const toProbability = marginToProbability(s.outputActivation === 'linear');
    return predicted.map((r) => r.map(toProbability));
  }
  if (s.loss?.params?.from_logits !== true) return predicted;
  return predicted.map((r) => (independent || r.length === 1 ? r.map(sigmoid) : softmax(r)));
}

/**
 * The evaluation of `predicted` (model outputs, one row per sample) against `actual` (the label
 * rows the pipeline made); undefined for labels of no kind it knows. Throws EvaluationInputError
 * for predictions that cannot be scored. The trainer's `evaluate` and the exporters' checks share it.
 */
export function scorePredictions(actual: number[][], predicted: number[][], s: Scoring, ctx: EvaluationContext): ScoredPart | undefined {
  const { labels } = s;
  const width = actual[0]?.length ?? 0;
  const names = (k: number) => Array.from({ length: k }, (_, i) => labels.names?.[i] ?? String(i));
  if ((labels.kind === 'binary' || labels.kind === 'unknown') && width > 1) {
    // Several 0/1 labels per sample: independent sigmoid units, one per label.
    const m = evaluateMultiLabel({ labels: actual, probabilities: probabilities(predicted, s, true), labelNames: names(width) });
    return { evaluation: multiLabelJson(m, ctx), report: multiLabelSummary(m) };
  }
  switch (labels.kind) {
    case 'continuous': {
      const outputNames = width === 1 ? [s.labelColumn ?? 'target'] : names(width);
      const m = evaluateRegression({ actual, predicted, outputNames });
      return { evaluation: regressionJson(m, ctx), report: regressionReport(m) };
    }
    case 'one_hot': {
      const m = evaluateClassification({ labels: actual.map(argmax), probabilities: probabilities(predicted, s, false), classNames: names(width) });
      return { evaluation: classificationJson(m, ctx), report: classificationSummary(m) };
    }
    case 'signed': {
      const m = evaluateClassification({ labels: actual.map((r) => (r[0] === 1 ? 1 : 0)), probabilities: probabilities(predicted, s, false), classNames: labels.names?.length === 2 ? labels.names : ['-1', '+1'] });
      return { evaluation: classificationJson(m, ctx), report: classificationSummary(m) };
    }
    case 'binary':
    case 'class_index': {
      const k = labels.classes ?? Math.max(2, predicted[0]?.length ?? 0);
      const m = evaluateClassification({ labels: actual.map((r) => r[0]), probabilities: probabilities(predicted, s, false), classNames: names(k) });
      return { evaluation: classificationJson(m, ctx), report: classificationSummary(m) };
    }
  }
  return undefined;
}

