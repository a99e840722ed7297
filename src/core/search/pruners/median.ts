/**
 * Median pruning, as Optuna's MedianPruner (a 50th-percentile PercentilePruner): after each
 * epoch, a trial whose best value so far is worse than the median of the completed trials'
 * values at the same epoch is stopped. Nothing is pruned until `startupTrials` trials have
 * completed, nor during a trial's first `warmupEpochs` epochs (Optuna's n_warmup_steps with the
 * epoch as the step).
 */
import { formatMetric } from './format';
import type { Goal, PruneDecision, Pruner, SearchSettings, TrialRecord } from '../types';

/** numpy's percentile with linear interpolation, NaNs left out (nanpercentile). */
export function percentile(values: readonly number[], p: number): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = ((v.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/** The best of a trial's values so far, NaNs left out; NaN when all are NaN. */
export function bestSoFar(values: readonly number[], goal: Goal): number {
  const v = values.filter((x) => !Number.isNaN(x));
  if (v.length === 0) return NaN;
  return goal === 'minimize' ? Math.min(...v) : Math.max(...v);
}

export function createMedianPruner(startupTrials: number, warmupEpochs: number): Pruner {
  return {
    shouldPrune(trial: TrialRecord, history: readonly TrialRecord[], settings: SearchSettings): PruneDecision {
      const { metric, goal } = settings;
      const epoch = trial.intermediate.length;
      if (epoch === 0) return { prune: false };
      const completed = history.filter((t) => t.state === 'complete' && t.number !== trial.number);
      if (completed.length === 0 || completed.length < startupTrials) {
        return { prune: false, reason: `${completed.length} of ${startupTrials} startup trials completed: no pruning yet` };
      }
      if (epoch <= warmupEpochs) return { prune: false, reason: `epoch ${epoch} is within the ${warmupEpochs} warm-up epochs` };
      const best = bestSoFar(trial.intermediate, goal);
      if (Number.isNaN(best)) return { prune: true, reason: `${metric} is NaN at every epoch so far` };
      const peers = completed.filter((t) => t.intermediate.length >= epoch).map((t) => t.intermediate[epoch - 1]);
      const median = percentile(peers, 50);
      if (Number.isNaN(median)) return { prune: false, reason: `no completed trial reported ${metric} at epoch ${epoch}` };
      const worse = goal === 'minimize' ? best > median : best < median;
      const compared = `the median ${formatMetric(median)} of ${peers.length} completed trials at epoch ${epoch}`;
      return worse
        ? { prune: true, reason: `${metric} ${formatMetric(best)} (best by epoch ${epoch}) is worse than ${compared}` }
        : { prune: false, reason: `${metric} ${formatMetric(best)} (best by epoch ${epoch}) is no worse than ${compared}` };
    },
  };
}
