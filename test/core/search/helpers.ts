import { createRng } from '../../../src/core/search/rng';
import type { Sampler, SearchParam, SearchSettings, TrialParams, TrialRecord } from '../../../src/core/search/types';

export function settingsOf(space: SearchParam[], over: Partial<SearchSettings> = {}): SearchSettings {
  return { metric: 'val_loss', goal: 'minimize', trials: 100, parallel: 1, sampler: 'random', pruner: { kind: 'none' }, seed: 7, space, ...over };
}

/** Runs `trials` sequential trials of `objective` through `sampler`, as the runner would. */
export function optimise(sampler: Sampler, settings: SearchSettings, trials: number, objective: (p: TrialParams) => number): TrialRecord[] {
  const history: TrialRecord[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample({ settings, history, trialNumber: n, rng: createRng(settings.seed, n) });
    if (!params) break;
    const value = objective(params);
    history.push({ number: n, params, state: 'complete', intermediate: [value], value });
  }
  return history;
}

export const bestValue = (history: readonly TrialRecord[]): number => Math.min(...history.map((t) => t.value ?? Infinity));

export function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}
