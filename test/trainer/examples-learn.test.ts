/**
 * Every shipped example learns: after training, its validation metric is clearly better than
 * chance (the majority-class rate for a classifier) or than predicting the mean (a regressor).
 * Epochs and batches are capped so the examples fit in CI's budget; the caps are each
 * example's own, chosen so that it still has to learn to pass.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StartOptions } from '../../src/node/trainerClient';
import { ofType, ROOT, train, trainerBundle, workspace } from './helpers';

beforeAll(async () => {
  await trainerBundle();
}, 120_000);

const dir = join(ROOT, 'examples');

/** The share of the most common label in the reviews set (positive or negative). */
function reviewsMajority(): number {
  const labels = readFileSync(join(dir, 'data/reviews.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { positive: number }).positive);
  const pos = labels.filter((v) => v === 1).length / labels.length;
  return Math.max(pos, 1 - pos);
}

/** Mean squared error of predicting the mean price (the labels' variance). */
function housePriceVariance(): number {
  const prices = readFileSync(join(dir, 'data/houses.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]));
  const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
  return prices.reduce((a, b) => a + (b - mean) ** 2, 0) / prices.length;
}

/** MNIST's most common digit is about 11% of the samples. */
const MNIST_MAJORITY = 0.12;

interface Expectation {
  options: Partial<StartOptions>;
  /** Checks the last epoch's metrics; returns what was compared, for the failure message. */
  learned(final: Record<string, number>): void;
}

const classifier = (chance: () => number, options: Partial<StartOptions>): Expectation => ({
  options,
  learned(final) {
    const base = chance();
    // Clearly better: at least a third of the way from chance to perfect.
    expect(final.val_accuracy, `val_accuracy ${final.val_accuracy} vs chance ${base}`).toBeGreaterThan(base + (1 - base) / 3);
  },
});

const expectations: Record<string, Expectation> = {
  'house-prices.model.yaml': {
    options: {},
    learned(final) {
      const variance = housePriceVariance();
      expect(final.val_loss, `val MSE ${final.val_loss} vs predicting the mean ${variance}`).toBeLessThan(variance / 2);
    },
  },
  'lstm-sentiment.model.yaml': classifier(reviewsMajority, { epochs: 2 }),
  'transformer-text.model.yaml': classifier(reviewsMajority, {}),
  'bert-sentiment.model.yaml': classifier(reviewsMajority, {}),
  'mlp.model.yaml': classifier(() => MNIST_MAJORITY, { epochs: 1, maxBatchesPerEpoch: 150 }),
  'mnist-cnn.model.yaml': classifier(() => MNIST_MAJORITY, { epochs: 1, maxBatchesPerEpoch: 40 }),
  'residual-cnn.model.yaml': classifier(() => MNIST_MAJORITY, { epochs: 1, maxBatchesPerEpoch: 60 }),
};

describe('every example learns', () => {
  const specs = readdirSync(dir).filter((f) => f.endsWith('.model.yaml'));
  it('each example has a learning expectation', () => expect(specs.sort()).toEqual(Object.keys(expectations).sort()));

  it.each(specs)('%s', async (f) => {
    const { options, learned } = expectations[f];
    const { result, events } = await train(join(dir, f), { ...options, out: workspace({}) });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('completed');
    const epochs = ofType(events, 'epoch');
    learned(epochs[epochs.length - 1].metrics);
  }, 300_000);
});
