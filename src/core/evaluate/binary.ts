/** A binary classifier's metrics at every distinct threshold, and the threshold that maximises F1. */
import { binaryClfCurve } from './curves';

export interface ThresholdRow {
  /** Predict positive when the positive-class probability is ≥ threshold. */
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  falsePositiveRate: number;
  accuracy: number;
}

export interface ThresholdSweep {
  /** Ascending thresholds, one per distinct score (precision_recall_curve's thresholds). */
  rows: ThresholdRow[];
  /** The row with the highest F1; among ties, the lowest threshold (numpy argmax over rows). */
  bestF1: ThresholdRow;
}

export function thresholdSweep(positive: readonly boolean[], scores: readonly number[]): ThresholdSweep {
  const c = binaryClfCurve(positive, scores);
  const n = positive.length;
  const totalPositives = c.tps[c.tps.length - 1];
  const rows = c.thresholds.map((threshold, i): ThresholdRow => {
    const tp = c.tps[i];
    const fp = c.fps[i];
    const fn = totalPositives - tp;
    const tn = n - totalPositives - fp;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = totalPositives === 0 ? 1 : tp / totalPositives;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    const falsePositiveRate = n - totalPositives === 0 ? 0 : fp / (n - totalPositives);
    return { threshold, tp, fp, fn, tn, precision, recall, f1, falsePositiveRate, accuracy: (tp + tn) / n };
  });
  rows.reverse();
  const bestF1 = rows.reduce((best, r) => (r.f1 > best.f1 ? r : best), rows[0]);
  return { rows, bestF1 };
}
