/** The evaluation library's own behaviour: input errors, Python-style rounding, the evaluation.json schema. */
import { describe, expect, it } from 'vitest';
import {
  EVALUATION_SCHEMA_VERSION,
  EvaluationInputError,
  classificationJson,
  classificationSummary,
  evaluateClassification,
  evaluateMultiLabel,
  evaluateRegression,
  evaluationJsonProblem,
  multiLabelJson,
  regressionJson,
  regressionReport,
} from '../../src/core/evaluate';
import { formatFixed } from '../../src/core/evaluate/pyformat';
import { multiLabelCase, regressionCase, seeded, softmaxCase } from './evaluateCases';

describe('formatFixed rounds as Python does', () => {
  it('sends exact ties to the even digit and everything else to the nearest', () => {
    // Python: '{:.2f}'.format(0.625) == '0.62'; JavaScript's toFixed gives '0.63'.
    expect([0.625, 0.375, 0.125, 0.875].map((x) => formatFixed(x, 2))).toEqual(['0.62', '0.38', '0.12', '0.88']);
    expect([0.5, 1.5, 2.5].map((x) => formatFixed(x, 0))).toEqual(['0', '2', '2']);
    // 0.15 is stored just below 0.15, 0.00005 just above: not ties.
    expect([formatFixed(0.15, 1), formatFixed(0.00005, 4), formatFixed(1, 2), formatFixed(-0.625, 2)]).toEqual(['0.1', '0.0001', '1.00', '-0.62']);
  });
});

describe('bad input is named, never computed on', () => {
  const base = { labels: [0, 1], probabilities: [[0.9, 0.1], [0.2, 0.8]], classNames: ['a', 'b'] };
  it.each([
    [{ ...base, labels: [0] }, /1 true labels for 2 prediction rows/],
    [{ ...base, labels: [0, 2] }, /true label 1 is 2; expected a class index from 0 to 1/],
    [{ ...base, probabilities: [[0.9, 0.1], [0.2]] }, /probability row 1 has 1 values; expected 2/],
    [{ ...base, probabilities: [[0.9, NaN], [0.2, 0.8]] }, /row 0 column 1 is NaN/],
    [{ ...base, probabilities: [[1.5, -0.5], [0.2, 0.8]] }, /row 0 column 0 is 1.5; probabilities lie in \[0, 1\]/],
    [{ ...base, classNames: ['a'] }, /at least 2 class names/],
    [{ ...base, labels: [], probabilities: [] }, /no samples/],
  ])('classification %#', (input, message) => {
    expect(() => evaluateClassification(input)).toThrow(EvaluationInputError);
    expect(() => evaluateClassification(input)).toThrow(message);
  });
  it('regression and multi-label', () => {
    expect(() => evaluateRegression({ actual: [[1], [2]], predicted: [[1]], outputNames: ['y'] })).toThrow(/2 target rows for 1 prediction rows/);
    expect(() => evaluateRegression({ actual: [[1], [Infinity]], predicted: [[1], [2]], outputNames: ['y'] })).toThrow(/target row 1 column 0 is Infinity/);
    expect(() => evaluateMultiLabel({ labels: [[1, 2]], probabilities: [[0.5, 0.5]], labelNames: ['a', 'b'] })).toThrow(/label row 0 must hold 2 values of 0 or 1/);
  });
});

describe('evaluation.json', () => {
  const rand = seeded(5);
  it('a binary evaluation: versioned, NaN as null, curves thinned with both ends kept, a best-F1 threshold', () => {
    const input = softmaxCase(rand, 3000, ['neg', 'pos'], 1);
    const m = evaluateClassification(input);
    const json = JSON.parse(JSON.stringify(classificationJson(m, { split: 'test', checkpoint: 'best' }, { maxCurvePoints: 50 })));
    expect(evaluationJsonProblem(json)).toBeNull();
    expect(json).toMatchObject({ schemaVersion: EVALUATION_SCHEMA_VERSION, task: 'binary', split: 'test', checkpoint: 'best', n: 3000 });
    const roc = json.curves.roc[1];
    expect(roc.fpr.length).toBe(50);
    expect([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    const pr = json.curves.pr[1];
    expect([pr.precision.at(-1), pr.recall.at(-1), pr.precision.length - pr.thresholds.length]).toEqual([1, 0, 1]);
    expect(json.thresholds.rows.length).toBe(50);
    expect(json.thresholds.bestF1.f1).toBe(Math.max(...m.thresholds!.rows.map((r) => r.f1)));
    expect(json.samples.predicted.length).toBe(3000);
    expect(classificationSummary(m)).toMatch(/best F1 0\.\d{4} at threshold 0\.\d{4}/);
  });

  it('a class with no samples: its ROC rates are null in JSON, its AUC null, the macro AUC null, with a warning', () => {
    const input = softmaxCase(rand, 100, ['a', 'b', 'c'], 1);
    const m = evaluateClassification({ ...input, labels: input.labels.map((t) => (t === 2 ? 0 : t)) });
    const json = JSON.parse(JSON.stringify(classificationJson(m, { split: 'validation' })));
    expect(json.curves.roc[2].tpr.every((v: unknown) => v === null)).toBe(true);
    expect([json.perClass[2].rocAuc, json.metrics.rocAuc.macro]).toEqual([null, null]);
    expect(json.warnings.join('\n')).toMatch(/ROC AUC of class "c" is undefined: the split has no sample of it/);
  });

  it('multi-label and regression evaluations pass the reader check; a bad file is named', () => {
    const ml = multiLabelJson(evaluateMultiLabel(multiLabelCase(rand, 50, ['x', 'y'])), { split: 'test' });
    const reg = evaluateRegression(regressionCase(rand, 5000, 2, 0.5), { maxPoints: 300 });
    const rj = regressionJson(reg, { split: 'test' });
    expect([evaluationJsonProblem(ml), evaluationJsonProblem(rj)]).toEqual([null, null]);
    expect(rj.points[1].actual.length).toBe(300);
    expect(rj.perOutput[0].residualHistogram.counts.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(evaluationJsonProblem({ ...rj, schemaVersion: 2 })).toMatch(/schemaVersion 2 is not supported \(expected 1\)/);
    expect(evaluationJsonProblem({ ...rj, task: 'ranking' })).toMatch(/task "ranking" is not one of/);
    const { points: _points, ...noPoints } = rj;
    expect(evaluationJsonProblem(noPoints)).toBe('a regression evaluation lacks "points"');
    expect(regressionReport(reg)).toMatch(/^ *output +MAE +MSE +RMSE +R²\n\n +y0 /);
  });

  it('a constant regression target is named and scores R² 0 (or 1 when predicted exactly)', () => {
    const m = evaluateRegression({ actual: [[0.1], [0.1], [0.1]], predicted: [[0.1], [0.2], [0.1]], outputNames: ['price'] });
    expect([m.r2, m.outputs[0].constantTarget]).toEqual([0, true]);
    expect(m.warnings[0]).toMatch(/output "price": the target is constant/);
  });
});
