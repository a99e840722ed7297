/**
 * The univariate Parzen estimators of Optuna's TPESampler (optuna/samplers/_tpe/parzen_estimator.py,
 * Optuna 3.x, `multivariate=False`): a weighted mixture of truncated normals for a numeric
 * parameter, of smoothed one-hot distributions for a categorical one, each with a prior
 * component. Parameters live here in their internal form: log for log-scaled ones, the index of
 * the value for categorical ones.
 */
import { snapInt, logIntBounds } from './random';
import { logGaussMass, logNormalDensity, sampleTruncatedNormal } from './normal';
import type { ParamValue, Rng, SpaceDist } from '../types';

export interface ParzenOptions {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
}

/**
 * A parameter's internal domain. A discrete numeric one (an int) has `bin`: the interval of
 * internal values that round to the value at x, whose probability mass is its density.
 */
export type Domain =
  | { kind: 'numeric'; low: number; high: number; bin?(x: number): [number, number]; toInternal(v: ParamValue): number; toExternal(x: number): ParamValue }
  | { kind: 'categorical'; values: readonly ParamValue[]; toInternal(v: ParamValue): number; toExternal(x: number): ParamValue };

const numberOrNaN = (v: ParamValue): number => (typeof v === 'number' ? v : NaN);

/** The internal domain of `dist`, with Optuna's bounds (`_calculate_parzen_bounds`). */
export function domainOf(dist: SpaceDist): Domain {
  switch (dist.kind) {
    case 'uniform':
      return { kind: 'numeric', low: dist.low, high: dist.high, toInternal: numberOrNaN, toExternal: (x) => Math.min(dist.high, Math.max(dist.low, x)) };
    case 'loguniform':
      return {
        kind: 'numeric',
        low: Math.log(dist.low),
        high: Math.log(dist.high),
        toInternal: (v) => Math.log(numberOrNaN(v)),
        toExternal: (x) => Math.min(dist.high, Math.max(dist.low, Math.exp(x))),
      };
    case 'int': {
      if (dist.log) {
        // As later Optuna does (optuna#6258, 2025): a log int's mass is its bin's, as for a linear int.
        const [low, high] = logIntBounds(dist);
        const half = 0.5 * dist.step;
        const bin = (x: number): [number, number] => [Math.max(low, Math.log(Math.max(Math.exp(x) - half, 0))), Math.min(high, Math.log(Math.exp(x) + half))];
        return { kind: 'numeric', low, high, bin, toInternal: (v) => Math.log(numberOrNaN(v)), toExternal: (x) => snapInt(dist, Math.exp(x)) };
      }
      const [low, high] = [dist.low - 0.5 * dist.step, dist.high + 0.5 * dist.step];
      const bin = (x: number): [number, number] => [Math.max(low, x - 0.5 * dist.step), Math.min(high, x + 0.5 * dist.step)];
      return { kind: 'numeric', low, high, bin, toInternal: numberOrNaN, toExternal: (x) => snapInt(dist, x) };
    }
    case 'choice':
    case 'grid': {
      const values = dist.values;
      return { kind: 'categorical', values, toInternal: (v) => (values.includes(v) ? values.indexOf(v) : NaN), toExternal: (x) => values[x] };
    }
  }
}

/** Optuna's `default_weights`: older observations ramp down once there are more than 25. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/** The mixture weights: one per observation (in trial order), the prior's last, summing to 1. */
function mixtureWeights(n: number, priorWeight: number): number[] {
  const w = [...defaultWeights(n), priorWeight];
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / sum);
}

function pickComponent(weights: readonly number[], u: number): number {
  let acc = 0;
  for (let k = 0; k < weights.length; k++) {
    acc += weights[k];
    if (u < acc) return k;
  }
  return weights.length - 1;
}

function logSumExp(xs: Float64Array): number {
  let max = -Infinity;
  for (const x of xs) if (x > max) max = x;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

export interface ParzenEstimator {
  /** Internal values drawn from the mixture. */
  sample(rng: Rng, size: number): number[];
  logPdf(x: number): number;
}

/**
 * Kernel widths as Optuna's univariate rule: each centre's σ is the larger gap to its sorted
 * neighbours (the prior's centre among them, the bounds as outer neighbours), the outermost
 * taking their inner gap unless `considerEndpoints`; then clipped to [range / min(100, 1 + n), range]
 * (the magic clip), and the prior's σ set to the whole range.
 */
function numericKernels(observations: readonly number[], low: number, high: number, opts: ParzenOptions): { mus: number[]; sigmas: number[] } {
  const mus = [...observations, 0.5 * (low + high)];
  const order = mus.map((_, i) => i).sort((i, j) => mus[i] - mus[j]);
  const withEnds = [low, ...order.map((i) => mus[i]), high];
  const sorted = order.map((_, r) => Math.max(withEnds[r + 1] - withEnds[r], withEnds[r + 2] - withEnds[r + 1]));
  if (!opts.considerEndpoints && withEnds.length >= 4) {
    sorted[0] = withEnds[2] - withEnds[1];
    sorted[sorted.length - 1] = withEnds[withEnds.length - 2] - withEnds[withEnds.length - 3];
  }
  const sigmas = new Array<number>(mus.length);
  order.forEach((i, r) => (sigmas[i] = sorted[r]));
  const range = high - low;
  const minSigma = opts.considerMagicClip ? range / Math.min(100, 1 + mus.length) : 1e-12;
  for (let i = 0; i < sigmas.length; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
  sigmas[mus.length - 1] = range;
  return { mus, sigmas };
}

function numericEstimator(observations: readonly number[], domain: Extract<Domain, { kind: 'numeric' }>, opts: ParzenOptions): ParzenEstimator {
  const { low, high, bin } = domain;
  const weights = mixtureWeights(observations.length, opts.priorWeight);
  const { mus, sigmas } = numericKernels(observations, low, high, opts);
  const logAccept = mus.map((mu, k) => logGaussMass((low - mu) / sigmas[k], (high - mu) / sigmas[k]));
  const logW = weights.map(Math.log);
  const terms = new Float64Array(mus.length);
  return {
    sample(rng, size) {
      return Array.from({ length: size }, () => {
        const k = pickComponent(weights, rng.next());
        return sampleTruncatedNormal(rng.next(), mus[k], sigmas[k], low, high);
      });
    },
    logPdf(x) {
      const [lo, hi] = bin ? bin(x) : [x, x];
      for (let k = 0; k < mus.length; k++) {
        const mu = mus[k];
        const s = sigmas[k];
        // With the 1/σ that Optuna before 3.5 left out of its truncated normal's density (optuna#5109).
        const logP = bin ? logGaussMass((lo - mu) / s, (hi - mu) / s) : logNormalDensity((x - mu) / s) - Math.log(s);
        terms[k] = logW[k] + logP - logAccept[k];
      }
      return logSumExp(terms);
    },
  };
}

/** Each observation a one-hot smoothed by prior_weight / (n + 1) per category; the prior uniform. */
function categoricalEstimator(observations: readonly number[], nChoices: number, opts: ParzenOptions): ParzenEstimator {
  const weights = mixtureWeights(observations.length, opts.priorWeight);
  const smooth = opts.priorWeight / (observations.length + 1);
  const rows = [...observations, -1].map((obs) => {
    const row = Array.from({ length: nChoices }, (_, c) => smooth + (c === obs ? 1 : 0));
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((p) => p / sum);
  });
  const mixed = Array.from({ length: nChoices }, (_, c) => rows.reduce((s, row, k) => s + weights[k] * row[c], 0));
  return {
    sample(rng, size) {
      return Array.from({ length: size }, () => pickComponent(rows[pickComponent(weights, rng.next())], rng.next()));
    },
    logPdf: (x) => Math.log(mixed[x]),
  };
}

export function parzenEstimator(observations: readonly number[], domain: Domain, opts: ParzenOptions): ParzenEstimator {
  return domain.kind === 'numeric' ? numericEstimator(observations, domain, opts) : categoricalEstimator(observations, domain.values.length, opts);
}
