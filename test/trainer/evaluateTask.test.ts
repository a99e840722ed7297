/**
 * The label kinds `modelyaml evaluate` scores, on real TensorFlow.js models' predictions through
 * the trainer's evaluatePart: several 0/1 labels of independent sigmoid units (multi-label, equal
 * to scikit-learn on the same outputs), −1/+1 labels of a margin unit (tanh or linear), and logits
 * (`from_logits`), which are turned into probabilities first.
 */
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluationJsonSchema } from '../../src/core/evaluate';
import type { ClassificationEvaluation, MultiLabelEvaluation } from '../../src/core/evaluate/schema';
import type { Preprocessing } from '../../src/core/protocol/preprocessing';
import type { ItemValue } from '../../src/core/spec';
import { evaluatePart } from '../../src/trainer/evaluateRun';
import type { Data } from '../../src/trainer/data/table';
import * as tf from '../../src/trainer/tf';
import { TrainerError } from '../../src/trainer/util';
import { expectClose, seeded, sklearn } from '../core/evaluateCases';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = seeded(23);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** One dense layer with seeded weights: a real model whose outputs are not made up by the test. */
function denseModel(inputs: number, units: number, activation: 'sigmoid' | 'tanh' | 'linear', seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [inputs], units, activation, kernelInitializer: tf.initializers.randomNormal({ seed, stddev: 1.5 }) }));
  return m;
}

function dataOf(x: number[][], y: number[][]): Data {
  return { n: x.length, shape: [x[0].length], x: Float32Array.from(x.flat()), y: Float32Array.from(y.flat()), yShape: [y[0].length] };
}

const features = (n: number, k: number) => Array.from({ length: n }, () => Array.from({ length: k }, gauss));

function outputs(model: tf.LayersModel, x: number[][]): number[][] {
  const t = model.predict(tf.tensor2d(x)) as tf.Tensor;
  const rows = t.arraySync() as number[][];
  t.dispose();
  return rows;
}

function pre(labels: Preprocessing['labels'], loss?: ItemValue): Pick<Preprocessing, 'labels' | 'input'> & { loss?: ItemValue } {
  return { labels, input: { source: 'csv', kind: 'table', columns: ['a', 'b', 'c', 'd'], shape: [4] }, ...(loss ? { loss } : {}) };
}

const ctx = { split: 'test' };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** ROC AUC from its definition: the chance a positive outscores a negative, ties counted half. */
function pairwiseAuc(positive: boolean[], score: number[]): number {
  let wins = 0;
  let pairs = 0;
  positive.forEach((p, i) => {
    if (!p) return;
    positive.forEach((q, j) => {
      if (q) return;
      pairs++;
      wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('evaluate: multi-label runs (several 0/1 labels, sigmoid units)', () => {
  const x = features(140, 4);
  // Label j follows feature j with noise; "never" is off for every sample.
  const y = x.map((r) => [r[0] + 0.5 * gauss() > 0 ? 1 : 0, r[1] - r[2] + 0.5 * gauss() > 0 ? 1 : 0, 0]);
  const labels: Preprocessing['labels'] = { kind: 'binary', shape: [3], classes: 2, names: ['first', 'second', 'never'] };

  it('sigmoid outputs: every per-label score, average, curve area, subset accuracy and Hamming loss equal scikit-learn', async () => {
    const model = denseModel(4, 3, 'sigmoid', 7);
    const { evaluation, report } = await evaluatePart(model, dataOf(x, y), pre(labels), ctx);
    expect(evaluation.task).toBe('multilabel');
    const e = evaluation as MultiLabelEvaluation;
    expect(e.labelNames).toEqual(['first', 'second', 'never']);
    const schema = new Ajv({ allErrors: true }).compile(evaluationJsonSchema());
    expect(schema(JSON.parse(JSON.stringify(e))) ? null : schema.errors, 'evaluation.json schema').toBeNull();
    const [ref] = sklearn([{ kind: 'multilabel', labels: y, probabilities: outputs(model, x), labelNames: e.labelNames }]);
    expectClose([e.metrics.subsetAccuracy, e.metrics.hammingLoss], [ref.subsetAccuracy, ref.hammingLoss], 'subset accuracy, Hamming loss');
    e.perLabel.forEach((l, j) => {
      const r = ref.perLabel[j];
      expectClose([l.precision, l.recall, l.f1, l.support, l.rocAuc, l.averagePrecision], [r.precision, r.recall, r.f1, r.support, r.rocAuc, r.averagePrecision], `label ${l.name}`);
    });
    for (const avg of ['micro', 'macro', 'weighted', 'samples'] as const) {
      expectClose([e.metrics[avg].precision, e.metrics[avg].recall, e.metrics[avg].f1], [ref[avg].precision, ref[avg].recall, ref[avg].f1], `${avg} average`);
    }
    expect(e.metrics.rocAuc).toEqual({ macro: null, weighted: null });
    expect(report).toContain(ref.report2.split('\n')[0]);
    expect(report).toMatch(/^ samples avg +0\.\d{4} /m);
    expect(report).toMatch(/^subset accuracy +\d\.\d{4}$/m);
    expect(report).toContain('ROC AUC of label "never" is undefined');
    model.dispose();
  });

  it('from_logits: linear outputs are scored through the sigmoid', async () => {
    const model = denseModel(4, 3, 'linear', 8);
    const { evaluation } = await evaluatePart(model, dataOf(x, y), pre(labels, { type: 'binary_crossentropy', params: { from_logits: true } }), ctx);
    const e = evaluation as MultiLabelEvaluation;
    const [ref] = sklearn([{ kind: 'multilabel', labels: y, probabilities: outputs(model, x).map((r) => r.map(sigmoid)), labelNames: e.labelNames }]);
    expectClose([e.metrics.subsetAccuracy, e.metrics.hammingLoss, e.metrics.averagePrecision], [ref.subsetAccuracy, ref.hammingLoss, ref.averagePrecision], 'scores of the sigmoid of the logits');
    model.dispose();
  });
});

describe('evaluate: signed (−1/+1) labels of a margin unit', () => {
  const x = features(90, 4);
  const y = x.map((r) => [r[0] + r[1] + 0.8 * gauss() > 0 ? 1 : -1]);
  const labels: Preprocessing['labels'] = { kind: 'signed', shape: [1], classes: 2 };

  it.each(['tanh', 'linear'] as const)('%s unit: the predicted class is the sign, and ROC AUC is the raw scores’ own', async (activation) => {
    const model = denseModel(4, 1, activation, 3);
    const { evaluation } = await evaluatePart(model, dataOf(x, y), pre(labels, { type: 'hinge', params: {} }), ctx);
    const e = evaluation as ClassificationEvaluation;
    expect(e.task).toBe('binary');
    expect(e.classNames).toEqual(['-1', '+1']);
    const s = outputs(model, x).map((r) => r[0]);
    if (activation === 'linear') expect(s.some((v) => Math.abs(v) > 1), 'the linear unit leaves the margin').toBe(true);
    expect(e.metrics.accuracy).toBeCloseTo(s.filter((v, i) => (v > 0) === (y[i][0] === 1)).length / s.length, 12);
    expect(e.confusionMatrix[1][1]).toBe(s.filter((v, i) => v > 0 && y[i][0] === 1).length);
    expect(e.perClass[1].rocAuc).toBeCloseTo(pairwiseAuc(y.map((r) => r[0] === 1), s), 12);
    model.dispose();
  });
});

describe('evaluate: one-hot labels and logits', () => {
  const x = features(60, 4);
  const y = x.map((r) => {
    const k = r[0] > 0.5 ? 2 : r[1] > 0 ? 1 : 0;
    return [0, 1, 2].map((j) => (j === k ? 1 : 0));
  });
  const labels: Preprocessing['labels'] = { kind: 'one_hot', shape: [3], classes: 3 };

  it('from_logits: log loss is the softmax cross-entropy of the logits; without it the logits are refused as probabilities', async () => {
    const model = denseModel(4, 3, 'linear', 5);
    const { evaluation } = await evaluatePart(model, dataOf(x, y), pre(labels, { type: 'categorical_crossentropy', params: { from_logits: true } }), ctx);
    const e = evaluation as ClassificationEvaluation;
    const crossEntropy = outputs(model, x).map((z, i) => {
      const top = Math.max(...z);
      const logSum = Math.log(z.reduce((a, v) => a + Math.exp(v - top), 0)) + top;
      return logSum - z[y[i].indexOf(1)];
    });
    expect(e.metrics.logLoss).toBeCloseTo(crossEntropy.reduce((a, b) => a + b, 0) / crossEntropy.length, 9);
    const raw = await evaluatePart(model, dataOf(x, y), pre(labels, { type: 'categorical_crossentropy', params: {} }), ctx).catch((err: unknown) => err);
    expect(raw).toBeInstanceOf(TrainerError);
    expect((raw as TrainerError).message).toMatch(/^The model's predictions cannot be scored: probability row \d+ column \d+ is -?[\d.e-]+; probabilities lie in \[0, 1\]/);
    model.dispose();
  });
});
