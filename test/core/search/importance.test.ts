import { describe, expect, it } from 'vitest';
import { createRandomSampler } from '../../../src/core/search/samplers/random';
import { bestSoFar, binValues, correlationRatio, MIN_TRIALS, paramImportance } from '../../../src/core/search/importance';
import type { SearchParam, TrialRecord } from '../../../src/core/search/types';
import { optimise, settingsOf } from './helpers';

const complete = (number: number, params: TrialRecord['params'], value: number): TrialRecord => ({ number, params, state: 'complete', intermediate: [value], value });

describe('correlationRatio (ε², and η² unadjusted)', () => {
  it('is the between-bin share of the sum of squares, less what the bins explain by chance, worked by hand', () => {
    // Bins {1, 3} (mean 2) and {5, 7} (mean 6); overall mean 4. Total SS 9+1+1+9 = 20, between 2·4 + 2·4 = 16.
    expect(correlationRatio([1, 3, 5, 7], [0, 0, 1, 1], false)).toBeCloseTo(0.8, 12);
    // ε²: within MS = (20 − 16) / (4 − 2) = 2; (16 − 1·2) / 20 = 0.7.
    expect(correlationRatio([1, 3, 5, 7], [0, 0, 1, 1])).toBeCloseTo(0.7, 12);
    // Each bin has the overall mean: nothing explained.
    expect(correlationRatio([1, 7, 1, 7], [0, 0, 1, 1])).toBe(0);
    // A constant metric explains nothing, and is not NaN.
    expect(correlationRatio([2, 2, 2], [0, 1, 2])).toBe(0);
  });
});

describe('binValues', () => {
  it('gives categories a bin each, and cuts many numbers into equal-count bins by rank', () => {
    expect(binValues(['adam', 'sgd', 'adam'], 2)).toEqual({ bin: [0, 1, 0], bins: 2 });
    expect(binValues([0.5, 0.1, 0.9, 0.3, 0.7, 0.2], 3)).toEqual({ bin: [1, 0, 2, 1, 2, 0], bins: 3 });
    // Equal numbers share a bin even across a cut.
    expect(binValues([1, 1, 1, 2], 2).bin).toEqual([0, 0, 0, 1]);
  });
});

describe('paramImportance', () => {
  const space: SearchParam[] = [
    { path: 'lr', dist: { kind: 'loguniform', low: 1e-4, high: 1e-1 } },
    { path: 'noise', dist: { kind: 'uniform', low: 0, high: 1 } },
    { path: 'act', dist: { kind: 'choice', values: ['relu', 'tanh'] } },
  ];

  it('ranks a parameter the metric follows far above one it ignores (60 random trials)', () => {
    const settings = settingsOf(space);
    // The metric is a bowl in log10(lr) around 1e-2, plus a small effect of the activation; `noise` is not used.
    const history = optimise(createRandomSampler(), settings, 60, (p) => (Math.log10(p.lr as number) + 2) ** 2 + (p.act === 'tanh' ? 0.1 : 0));
    const imp = paramImportance(space, history);
    expect(imp.trials).toBe(60);
    expect(imp.params.map((p) => p.path)[0]).toBe('lr');
    const by = Object.fromEntries(imp.params.map((p) => [p.path, p.value]));
    expect(by.lr).toBeGreaterThan(0.7);
    expect(by.noise).toBeLessThan(0.1);
    expect(imp.params.find((p) => p.path === 'act')!.bins).toBe(2);
    expect(imp.params.find((p) => p.path === 'lr')!.bins).toBe(7);
  });

  it('uses complete trials only, and says so when there are too few', () => {
    const trials: TrialRecord[] = [
      complete(0, { lr: 0.01, noise: 0.5, act: 'relu' }, 0.3),
      { number: 1, params: { lr: 0.1, noise: 0.2, act: 'tanh' }, state: 'pruned', intermediate: [0.9], reason: 'rung' },
      { number: 2, params: { lr: 0.5, noise: 0.2, act: 'tanh' }, state: 'failed', intermediate: [], reason: 'NaN' },
      complete(3, { lr: 0.001, noise: 0.1, act: 'relu' }, 0.6),
    ];
    const imp = paramImportance(space, trials);
    expect(imp).toEqual({ params: [], trials: 2, note: `Needs at least ${MIN_TRIALS} complete trials (2 so far).` });
  });

  it('explains nothing when every trial reached the same value', () => {
    const trials = [0, 1, 2, 3].map((n) => complete(n, { lr: 10 ** -n, noise: n / 4, act: 'relu' }, 0.5));
    expect(paramImportance(space, trials).note).toMatch(/same value/);
  });
});

describe('bestSoFar', () => {
  it('follows the best complete value in trial order, skipping pruned and failed trials', () => {
    const trials: TrialRecord[] = [
      { number: 0, params: {}, state: 'pruned', intermediate: [0.1], reason: 'x' },
      complete(1, {}, 0.5),
      complete(2, {}, 0.7),
      { number: 3, params: {}, state: 'failed', intermediate: [], reason: 'x' },
      complete(4, {}, 0.2),
    ];
    expect(bestSoFar(trials, 'minimize')).toEqual([undefined, 0.5, 0.5, 0.5, 0.2]);
    expect(bestSoFar(trials, 'maximize')).toEqual([undefined, 0.5, 0.7, 0.7, 0.7]);
  });
});
