/**
 * Random search: each parameter drawn independently from its distribution (Optuna's
 * RandomSampler). Also TPE's startup sampler, and the grid sampler's source for continuous
 * parameters.
 */
import { randomIndex } from '../rng';
import type { ParamValue, Rng, Sampler, SamplerContext, SpaceDist, TrialParams } from '../types';

type IntDist = Extract<SpaceDist, { kind: 'int' }>;

/** How many steps above `low` the int distribution's last value lies. */
export function intSteps(dist: IntDist): number {
  return Math.max(0, Math.floor((dist.high - dist.low) / dist.step + 1e-9));
}

/** The on-grid int value nearest `x`, within the bounds. */
export function snapInt(dist: IntDist, x: number): number {
  const k = Math.min(intSteps(dist), Math.max(0, Math.round((x - dist.low) / dist.step)));
  return dist.low + k * dist.step;
}

/**
 * The interval a log-scaled int is drawn from before snapping, in log space: each value owns
 * the half-steps around it, as Optuna's [log(low − ½), log(high + ½)]; the lowest edge is kept
 * above zero (at low/2) where a half step would reach it.
 */
export function logIntBounds(dist: IntDist): [number, number] {
  return [Math.log(Math.max(dist.low - 0.5 * dist.step, 0.5 * dist.low)), Math.log(dist.high + 0.5 * dist.step)];
}

/** One draw from `dist`. */
export function sampleParam(dist: SpaceDist, rng: Rng): ParamValue {
  switch (dist.kind) {
    case 'uniform':
      return dist.low + rng.next() * (dist.high - dist.low);
    case 'loguniform': {
      const [lo, hi] = [Math.log(dist.low), Math.log(dist.high)];
      return Math.min(dist.high, Math.max(dist.low, Math.exp(lo + rng.next() * (hi - lo))));
    }
    case 'int': {
      if (!dist.log) return dist.low + randomIndex(rng, intSteps(dist) + 1) * dist.step;
      const [lo, hi] = logIntBounds(dist);
      return snapInt(dist, Math.exp(lo + rng.next() * (hi - lo)));
    }
    case 'choice':
    case 'grid':
      return dist.values[randomIndex(rng, dist.values.length)];
  }
}

export function sampleRandom(ctx: SamplerContext): TrialParams {
  const params: TrialParams = {};
  for (const p of ctx.settings.space) params[p.path] = sampleParam(p.dist, ctx.rng);
  return params;
}

export function createRandomSampler(): Sampler {
  return { sample: sampleRandom };
}
