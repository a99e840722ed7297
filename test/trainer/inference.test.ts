/**
 * The inference module (src/trainer/inference.ts) on real runs: a trained iris classifier answers
 * raw rows with species names, probabilities that sum to 1 and a sorted top k; a bad record in a
 * batch is answered on its own; an MNIST model takes a 28×28 image and refuses another size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decodeOutput, loadRunModel, outputMeaning, type RunModel } from '../../src/trainer/inference';
import type { Preprocessing } from '../../src/core/protocol/preprocessing';
import { failure, irisSpec, mnistMlpSpec, train, trainerBundle, workspace } from './helpers';

beforeAll(() => trainerBundle(), 120_000);

async function trained(yaml: string, options: Parameters<typeof train>[1] = {}): Promise<string> {
  const dir = workspace({ 's.model.yaml': yaml });
  const { result } = await train(join(dir, 's.model.yaml'), options);
  expect(result.status, result.error?.message).toBe('completed');
  return result.runDir!;
}

const IRIS_ROWS = [
  { sepal_length: '5.1', sepal_width: '3.5', petal_length: '1.4', petal_width: '0.2' },
  { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 },
  { sepal_length: '5.9', sepal_width: '3.0', petal_length: '4.2', petal_width: '1.5', species: 'ignored' },
];

describe('loadRunModel on an iris classifier', () => {
  let rm: RunModel;
  beforeAll(async () => {
    rm = await loadRunModel(await trained(irisSpec({ epochs: 20 })), { backend: 'cpu' });
  }, 120_000);
  afterAll(() => rm?.dispose());

  it('decodes class names, probabilities summing to 1 and a sorted top k', async () => {
    expect(rm).toMatchObject({ task: 'multiclass', classNames: ['setosa', 'versicolor', 'virginica'], inputKind: 'table', checkpoint: 'best' });
    const out = await rm.predict(IRIS_ROWS, { topK: 2 });
    expect(out.map((p) => p.label)).toEqual(['setosa', 'virginica', 'versicolor']);
    for (const p of out) {
      expect(Object.keys(p.probabilities!)).toEqual(['setosa', 'versicolor', 'virginica']);
      expect(Object.values(p.probabilities!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.top!.length).toBe(2);
      expect(p.top![0]).toEqual({ label: p.label, probability: p.probabilities![p.label!] });
      expect(p.top![0].probability).toBeGreaterThanOrEqual(p.top![1].probability);
    }
  });

  it('a bad record fails the batch with its place and column; predictEach answers the others', async () => {
    const bad = { ...IRIS_ROWS[0], petal_width: 'wide' };
    const origin = (i: number) => `in.csv:${i + 2}`;
    const e = await failure(rm.predict([IRIS_ROWS[0], bad], { origin }));
    expect(e.message).toBe('in.csv:3: column `petal_width` holds "wide", not a number.');
    const missing = await failure(rm.predict([{ sepal_length: 1 }], { origin }));
    expect(missing.message).toBe('in.csv:2: no `sepal_width` field.');
    const each = await rm.predictEach([IRIS_ROWS[0], bad, IRIS_ROWS[1]], { origin });
    expect(each[1]).toEqual({ ok: false, code: 'predict/not-numeric', message: 'in.csv:3: column `petal_width` holds "wide", not a number.' });
    const batch = await rm.predict([IRIS_ROWS[0], IRIS_ROWS[1]]);
    expect([each[0], each[2]]).toEqual(batch.map((prediction) => ({ ok: true, prediction })));
  });

  it('takes no images or texts', async () => {
    expect((await failure(() => rm.imageRecord({ width: 1, height: 1, data: new Uint8Array(4) }, 'a.png'))).message).toBe('a.png: the model takes table rows, not images.');
    expect((await failure(() => rm.textRecord('hello'))).code).toBe('predict/not-text');
  });
});

describe('loadRunModel on an MNIST model (flat values)', () => {
  it('takes a 28×28 image as its 784 grey values and refuses another size', async () => {
    const rm = await loadRunModel(await trained(mnistMlpSpec({ samples: 200, epochs: 1 }), { maxBatchesPerEpoch: 2 }), { backend: 'cpu' });
    try {
      const img = { width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).fill(255) };
      const [p] = await rm.predict([rm.imageRecord(img)]);
      expect(rm.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(Object.values(p.probabilities!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.top!.length).toBe(5);
      const big = { width: 32, height: 28, data: new Uint8Array(32 * 28 * 4) };
      expect((await failure(() => rm.imageRecord(big, 'big.png'))).message).toBe('big.png: the image is 32×28, but the model was trained on 28×28 images (grey); resize it first.');
    } finally {
      rm.dispose();
    }
  }, 120_000);
});

describe('decoding outputs', () => {
  const pre = (labels: Preprocessing['labels'], label?: string) => ({ labels, input: { source: 'csv', kind: 'table', shape: [1], ...(label ? { label } : {}) } }) as Preprocessing;
  it('regression names its outputs; a sigmoid is a yes/no between two classes; several sigmoids are labels', () => {
    const reg = outputMeaning(pre({ kind: 'continuous', shape: [] }, 'price_k'), 1);
    expect(reg).toEqual({ task: 'regression', outputNames: ['price_k'] });
    expect(decodeOutput(reg, [231.5])).toEqual({ value: 231.5 });
    expect(decodeOutput(outputMeaning(pre({ kind: 'continuous', shape: [2] }), 2), [1, 2])).toEqual({ values: { '0': 1, '1': 2 } });
    const bin = outputMeaning(pre({ kind: 'binary', shape: [], classes: 2, names: ['neg', 'pos'] }), 1);
    expect(decodeOutput(bin, [0.75], 1)).toEqual({ label: 'pos', probabilities: { neg: 0.25, pos: 0.75 }, top: [{ label: 'pos', probability: 0.75 }] });
    const multi = outputMeaning(pre({ kind: 'binary', shape: [3], names: ['a', 'b', 'c'] }), 3);
    expect(decodeOutput(multi, [0.9, 0.1, 0.6], 2)).toEqual({ labels: ['a', 'c'], probabilities: { a: 0.9, b: 0.1, c: 0.6 }, top: [{ label: 'a', probability: 0.9 }, { label: 'c', probability: 0.6 }] });
  });
});
