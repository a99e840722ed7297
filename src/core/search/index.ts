/** The search algorithms by name: what the runner builds from a spec's `search:` settings. */
import { createAshaPruner } from './pruners/asha';
import { createMedianPruner } from './pruners/median';
import { createGridSampler } from './samplers/grid';
import { createRandomSampler } from './samplers/random';
import { createTpeSampler } from './samplers/tpe';
import type { Pruner, Sampler, SearchSettings } from './types';

export { createRng } from './rng';
export { gridSize } from './samplers/grid';

export function createSampler(settings: SearchSettings): Sampler {
  switch (settings.sampler) {
    case 'random':
      return createRandomSampler();
    case 'grid':
      return createGridSampler();
    case 'tpe':
      return createTpeSampler();
  }
}

const neverPrune: Pruner = { shouldPrune: () => ({ prune: false }) };

export function createPruner(settings: SearchSettings): Pruner {
  const p = settings.pruner;
  switch (p.kind) {
    case 'none':
      return neverPrune;
    case 'median':
      return createMedianPruner(p.startupTrials, p.warmupEpochs);
    case 'asha':
      return createAshaPruner(p.minEpochs, p.reduction);
  }
}
