/**
 * TPE, the Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011), as Optuna 3.x's TPESampler runs it by default (univariate):
 *
 * - the first `startupTrials` (10) finished trials are sampled at random;
 * - then the finished trials are split: the best γ(n) = min(⌈0.1·n⌉, 25) are "below" (good),
 *   the rest "above"; complete trials rank before pruned ones, pruned ones by how far they got
 *   (later last epoch first) and then by their last reported value, as Optuna's
 *   `_get_observation_pairs` does; running and failed trials are left out;
 * - for each parameter on its own, a Parzen estimator l(x) of the good values and g(x) of the
 *   others (./parzen.ts), `eiCandidates` (24) draws from l, and the draw with the largest
 *   l(x) / g(x) — the expected improvement's maximiser — is the new value.
 */
import { sampleParam, sampleRandom } from './random';
import { domainOf, parzenEstimator, type ParzenOptions } from './parzen';
import type { Goal, ParamValue, Sampler, SamplerContext, TrialParams, TrialRecord } from '../types';

export interface TpeOptions extends ParzenOptions {
  startupTrials: number;
  eiCandidates: number;
  /** How many of n finished trials count as good. */
  gamma(n: number): number;
}

/** Optuna 3.x's TPESampler defaults. */
export const TPE_DEFAULTS: TpeOptions = {
  startupTrials: 10,
  eiCandidates: 24,
  gamma: (n) => Math.min(Math.ceil(0.1 * n), 25),
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
};

/** A finished trial's rank key, compared lexicographically: lower is better. */
interface Scored {
  trial: TrialRecord;
  step: number;
  score: number;
}

/** The trials TPE learns from, with Optuna's (−step, signed value) ranking keys. */
export function scoredTrials(history: readonly TrialRecord[], goal: Goal): Scored[] {
  const sign = goal === 'minimize' ? 1 : -1;
  const out: Scored[] = [];
  for (const trial of history) {
    if (trial.state === 'complete') {
      if (trial.value === undefined || !Number.isFinite(trial.value)) continue;
      out.push({ trial, step: -Infinity, score: sign * trial.value });
    } else if (trial.state === 'pruned') {
      const n = trial.intermediate.length;
      if (n === 0) out.push({ trial, step: 1, score: 0 });
      else {
        const last = trial.intermediate[n - 1];
        out.push({ trial, step: -n, score: Number.isNaN(last) ? Infinity : sign * last });
      }
    }
  }
  return out;
}

/** The trials split into the good (below) and the rest (above), each kept in trial order. */
export function splitTrials(scored: readonly Scored[], nBelow: number): { below: TrialRecord[]; above: TrialRecord[] } {
  const order = scored.map((_, i) => i).sort((i, j) => scored[i].step - scored[j].step || compareScores(scored[i].score, scored[j].score) || i - j);
  const belowSet = new Set(order.slice(0, nBelow));
  return {
    below: scored.filter((_, i) => belowSet.has(i)).map((s) => s.trial),
    above: scored.filter((_, i) => !belowSet.has(i)).map((s) => s.trial),
  };
}

// (−∞) − (−∞) is NaN: compare, don't subtract.
function compareScores(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createTpeSampler(options: Partial<TpeOptions> = {}): Sampler {
  const opts: TpeOptions = { ...TPE_DEFAULTS, ...options };
  return {
    sample(ctx: SamplerContext): TrialParams {
      const scored = scoredTrials(ctx.history, ctx.settings.goal);
      if (scored.length < opts.startupTrials) return sampleRandom(ctx);
      const { below, above } = splitTrials(scored, opts.gamma(scored.length));
      const params: TrialParams = {};
      for (const p of ctx.settings.space) {
        const domain = domainOf(p.dist);
        const internal = (trials: TrialRecord[]): number[] =>
          trials.filter((t) => p.path in t.params).map((t) => domain.toInternal(t.params[p.path])).filter((x) => !Number.isNaN(x));
        const l = parzenEstimator(internal(below), domain, opts);
        const g = parzenEstimator(internal(above), domain, opts);
        let best: ParamValue | undefined;
        let bestScore = -Infinity;
        for (const x of l.sample(ctx.rng, opts.eiCandidates)) {
          // Snap first (ints to their steps), so that both densities judge the value a trial gets.
          const value = domain.toExternal(x);
          const xi = domain.toInternal(value);
          const score = l.logPdf(xi) - g.logPdf(xi);
          if (best === undefined || score > bestScore) [best, bestScore] = [value, score];
        }
        params[p.path] = best ?? sampleParam(p.dist, ctx.rng);
      }
      return params;
    },
  };
}
