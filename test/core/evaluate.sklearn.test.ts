/**
 * The evaluation metrics against scikit-learn on the same predictions: seeded inputs go through
 * src/core/evaluate/ and through scripts/sklearn-reference.py (Debian's python3-sklearn), and
 * every number must agree to 1e-9 relative. Without scikit-learn these tests fail, by design.
 */
import { describe, expect, it } from 'vitest';
import { evaluateClassification, type ClassificationInput, type ClassificationMetrics } from '../../src/core/evaluate/classification';
import { evaluateMultiLabel, type MultiLabelInput } from '../../src/core/evaluate/multilabel';
import { evaluateRegression, type RegressionInput } from '../../src/core/evaluate/regression';
import { classificationReport, multiLabelReport } from '../../src/core/evaluate/report';
import { expectClose, multiLabelCase, regressionCase, seeded, sklearn, softmaxCase, type Case, type Reference } from './evaluateCases';

const rand = seeded(17);
const quarterRows = (n: number, k: number) =>
  Array.from({ length: n }, () => {
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < 8; i++) counts[Math.floor(rand() * k)]++;
    return counts.map((c) => c / 8);
  });

const classificationCases: Record<string, ClassificationInput & { topK: number[] }> = {
  'multi-class': { ...softmaxCase(rand, 300, ['cat', 'dog', 'bird', 'fish'], 1.5), topK: [1, 2, 3] },
  binary: { ...softmaxCase(rand, 200, ['negative', 'positive'], 1), topK: [1] },
  // More classes than numpy's eight running sums: the averages must be summed in its order.
  'twelve classes': { ...softmaxCase(rand, 400, Array.from({ length: 12 }, (_, i) => `c${i}`), 1.2), topK: [1, 3, 5] },
  'binary, one sigmoid column': (() => {
    const c = softmaxCase(rand, 150, ['no', 'yes'], 0.8);
    return { ...c, probabilities: c.probabilities.map((r) => [r[1]]), topK: [1] };
  })(),
  'tied scores': (() => {
    const rows = quarterRows(250, 5);
    return { labels: rows.map(() => Math.floor(rand() * 5)), probabilities: rows, classNames: ['a', 'b', 'c', 'd', 'e'], topK: [1, 2, 3, 4] };
  })(),
  'binary with ties at 0.5': (() => {
    const p = Array.from({ length: 120 }, () => Math.floor(rand() * 5) / 4);
    return { labels: p.map((x) => (rand() < x ? 1 : 0)), probabilities: p.map((x) => [1 - x, x]), classNames: ['0', '1'], topK: [1] };
  })(),
  'a class absent from the split': (() => {
    const c = softmaxCase(rand, 200, ['zero', 'one', 'two', 'three'], 1.2);
    return { ...c, labels: c.labels.map((t) => (t === 3 ? 0 : t)), topK: [1, 2] };
  })(),
  'a class neither present nor predicted': (() => {
    const c = softmaxCase(rand, 200, ['zero', 'one', 'two', 'never'], 1.2);
    const rows = c.probabilities.map((r) => {
      const shrunk = [r[0], r[1], r[2], r[3] * 1e-3];
      const s = shrunk.reduce((a, b) => a + b, 0);
      return shrunk.map((v) => v / s);
    });
    return { ...c, labels: c.labels.map((t) => (t === 3 ? 1 : t)), probabilities: rows, topK: [1, 2] };
  })(),
  'a single class': (() => {
    const c = softmaxCase(rand, 80, ['only', 'other', 'third'], 1);
    return { ...c, labels: c.labels.map(() => 0), topK: [1, 2] };
  })(),
  'binary, a single class in the split': (() => {
    const c = softmaxCase(rand, 50, ['off', 'on'], 1);
    return { ...c, labels: c.labels.map(() => 1), topK: [1] };
  })(),
  'a perfect binary predictor': (() => {
    const labels = Array.from({ length: 30 }, () => Math.floor(rand() * 2));
    return { labels, probabilities: labels.map((t) => [t]), classNames: ['cold', 'hot'], topK: [1] };
  })(),
  'a perfect predictor': (() => {
    const labels = Array.from({ length: 60 }, () => Math.floor(rand() * 3));
    return { labels, probabilities: labels.map((t) => [0, 1, 2].map((j) => (j === t ? 1 : 0))), classNames: ['x', 'y', 'z'], topK: [1, 2] };
  })(),
  'a constant predictor': (() => {
    const labels = Array.from({ length: 90 }, () => Math.floor(rand() * 3));
    return { labels, probabilities: labels.map(() => [0.2, 0.5, 0.3]), classNames: ['x', 'y', 'z'], topK: [1, 2] };
  })(),
  'a constant binary predictor': (() => {
    const labels = Array.from({ length: 40 }, () => Math.floor(rand() * 2));
    return { labels, probabilities: labels.map(() => [0.35, 0.65]), classNames: ['ham', 'spam'], topK: [1] };
  })(),
};

function compareClassification(m: ClassificationMetrics, ref: Reference, at: string): void {
  expectClose(m.accuracy, ref.accuracy, `${at} accuracy`);
  expectClose(m.logLoss, ref.logLoss, `${at} log loss`);
  expectClose(m.topK, ref.topK, `${at} top-k`);
  expect(m.confusionMatrix, `${at} confusion matrix`).toEqual(ref.confusionMatrix);
  m.perClass.forEach((c, i) => {
    const r = ref.perClass[i];
    const at2 = `${at} class ${c.name}`;
    expectClose([c.precision, c.recall, c.f1, c.support], [r.precision, r.recall, r.f1, r.support], `${at2} precision/recall/F1/support`);
    expectClose(c.roc, r.roc, `${at2} ROC curve`);
    expectClose(c.rocAuc, r.rocAuc, `${at2} ROC AUC`);
    expectClose(c.pr, r.pr, `${at2} PR curve`);
    expectClose(c.averagePrecision, r.averagePrecision, `${at2} average precision`);
  });
  for (const avg of ['micro', 'macro', 'weighted'] as const) {
    expectClose([m[avg].precision, m[avg].recall, m[avg].f1], [ref[avg].precision, ref[avg].recall, ref[avg].f1], `${at} ${avg} average`);
  }
  expectClose(m.rocAuc, ref.rocAuc, `${at} ROC AUC averages`);
  expectClose(m.averagePrecision, ref.averagePrecision, `${at} average precision averages`);
  const filled = m.calibration.bins.filter((b) => b.count > 0);
  expectClose(filled.map((b) => b.fractionPositive), ref.calibration.fractionPositive, `${at} calibration: fraction of positives`);
  expectClose(filled.map((b) => b.meanPredicted), ref.calibration.meanPredicted, `${at} calibration: mean predicted`);
  expect(filled.map((b) => b.count), `${at} calibration: counts`).toEqual(ref.calibration.counts);
  expect(filled.map((b) => m.calibration.bins.indexOf(b)), `${at} calibration: which bins`).toEqual(ref.calibration.bins);
  expectClose(m.calibration.expectedCalibrationError, ref.calibration.ece, `${at} ECE`);
  expect(classificationReport(m), `${at} report`).toBe(ref.report2);
  expect(classificationReport(m, 4), `${at} report, 4 digits`).toBe(ref.report4);
}

function compareThresholds(m: ClassificationMetrics, ref: Reference, at: string): void {
  const t = m.thresholds!;
  const r = ref.thresholds;
  expectClose(t.rows.map((row) => row.threshold), r.rows.map((row: Reference) => row.threshold), `${at} sweep thresholds`);
  expectClose(t.rows.map(({ tp, fp, fn, tn, accuracy }) => ({ tp, fp, fn, tn, accuracy })), r.rows.map(({ tp, fp, fn, tn, accuracy }: Reference) => ({ tp, fp, fn, tn, accuracy })), `${at} sweep counts`);
  expectClose(t.rows.map((row) => [row.precision, row.recall, row.f1]), r.precision.map((p: number, i: number) => [p, r.recall[i], r.f1[i]]), `${at} sweep scores`);
  expectClose([t.bestF1.threshold, t.bestF1.f1], [r.best.threshold, r.best.f1], `${at} best-F1 threshold`);
}

const regressionCases: RegressionInput[] = [
  regressionCase(rand, 200, 1, 0.3),
  regressionCase(rand, 150, 3, 0.5),
  { actual: [[3], [3], [3], [3]], predicted: [[2.5], [3], [3.25], [4]], outputNames: ['constant'] },
  { actual: [[3], [3], [3]], predicted: [[3], [3], [3]], outputNames: ['constant, exact'] },
  { actual: [[1, 0.5], [2, 0.5], [4, 0.5]], predicted: [[1, 0.5], [2, 0.5], [4, 0.5]], outputNames: ['perfect', 'constant, exact'] },
];

const multiLabelCases: MultiLabelInput[] = [
  multiLabelCase(rand, 150, ['red', 'green', 'blue', 'never']),
  multiLabelCase(rand, 60, ['a', 'b']),
  // A label on for every sample beside one never on: their ROC AUC is undefined, so are the averages.
  multiLabelCase(rand, 80, ['always', 'sometimes', 'never']),
  (() => {
    const c = multiLabelCase(rand, 70, ['x', 'y', 'z']);
    return { ...c, probabilities: c.labels.map((row) => row.map(Number)) };
  })(),
  (() => {
    // Scores in quarters: many ties, some exactly at the threshold.
    const c = multiLabelCase(rand, 90, ['p', 'q', 'r', 's']);
    return { ...c, probabilities: c.probabilities.map((row) => row.map((v) => Math.round(v * 4) / 4)) };
  })(),
  (() => {
    const c = multiLabelCase(rand, 50, ['u', 'v']);
    return { ...c, probabilities: c.labels.map(() => [0.7, 0.2]) };
  })(),
  { ...multiLabelCase(rand, 120, ['low', 'high', 'mid']), threshold: 0.3 },
];
const multiLabelCaseNames = ['four labels, one never present', 'two labels', 'one label always present, one never', 'a perfect predictor', 'tied scores', 'a constant predictor', 'threshold 0.3'];
const names = Object.keys(classificationCases);
let cached: { classification: Reference[]; multiLabel: Reference[]; regression: Reference[] } | undefined;

/**
 * One Python run for every case (importing scikit-learn takes seconds on two cores), made by the
 * first test that asks: without scikit-learn each test fails with the reason, none is skipped.
 */
function reference(): NonNullable<typeof cached> {
  if (cached) return cached;
  const all = sklearn([
    ...names.map((name): Case => ({ kind: 'classification', ...classificationCases[name] })),
    ...multiLabelCases.map((c): Case => ({ kind: 'multilabel', ...c })),
    ...regressionCases.map((c): Case => ({ kind: 'regression', ...c })),
  ]);
  const m = names.length + multiLabelCases.length;
  cached = { classification: all.slice(0, names.length), multiLabel: all.slice(names.length, m), regression: all.slice(m) };
  return cached;
}

describe('evaluation metrics against scikit-learn', () => {

  it('classification: every metric, curve and report equals scikit-learn on each case', () => {
    const refs = reference().classification;
    names.forEach((name, i) => {
      const m = evaluateClassification(classificationCases[name], { topK: classificationCases[name].topK });
      compareClassification(m, refs[i], name);
      if (m.thresholds) compareThresholds(m, refs[i], name);
    });
  });

  it('multi-label: per-label scores, averages, curves and report equal scikit-learn', () => {
    const refs = reference().multiLabel;
    multiLabelCases.forEach((input, i) => {
      const m = evaluateMultiLabel(input);
      const ref = refs[i];
      const at = `multi-label: ${multiLabelCaseNames[i]}`;
      expectClose([m.subsetAccuracy, m.hammingLoss], [ref.subsetAccuracy, ref.hammingLoss], `${at} subset accuracy, Hamming loss`);
      m.perLabel.forEach((l, j) => {
        const r = ref.perLabel[j];
        expectClose([l.precision, l.recall, l.f1, l.support], [r.precision, r.recall, r.f1, r.support], `${at} label ${l.name} scores`);
        expectClose([l.roc, l.rocAuc, l.pr, l.averagePrecision], [r.roc, r.rocAuc, r.pr, r.averagePrecision], `${at} label ${l.name} curves`);
      });
      for (const avg of ['micro', 'macro', 'weighted', 'samples'] as const) {
        expectClose([m[avg].precision, m[avg].recall, m[avg].f1], [ref[avg].precision, ref[avg].recall, ref[avg].f1], `${at} ${avg} average`);
      }
      expectClose([m.rocAuc, m.averagePrecision], [ref.rocAuc, ref.averagePrecision], `${at} AUC/AP averages`);
      expect(multiLabelReport(m), `${at} report`).toBe(ref.report2);
    });
  });

  it('regression: MAE, MSE, RMSE and R² per output and averaged equal scikit-learn, constant targets included', () => {
    const refs = reference().regression;
    regressionCases.forEach((input, i) => {
      const m = evaluateRegression(input);
      expectClose(m.outputs.map(({ mae, mse, rmse, r2 }) => ({ mae, mse, rmse, r2 })), refs[i].outputs, `regression case ${i} per output`);
      expectClose([m.mae, m.mse, m.rmse, m.r2], [refs[i].mae, refs[i].mse, refs[i].rmse, refs[i].r2], `regression case ${i} averages`);
    });
  });
});
