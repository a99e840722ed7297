/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020), as Optuna's SuccessiveHalvingPruner (min_early_stopping_rate 0,
 * bootstrap_count 0): rung k lies at epoch ⌈minEpochs · reduction^k⌉. A trial reaching a rung
 * goes on only if its value there is within the top 1/reduction of all values recorded at that
 * rung so far, its own included (every trial that reached the rung, running ones too: no trial
 * waits for others). While fewer than `reduction` trials have reached a rung, only a value at
 * least as good as the best there goes on, as Optuna does. The runner calls it after every epoch.
 */
import { formatMetric } from './format';
import type { PruneDecision, Pruner, SearchSettings, TrialRecord } from '../types';

/** The epoch (1-based) of rung k. */
export function rungEpoch(minEpochs: number, reduction: number, k: number): number {
  return Math.ceil(minEpochs * reduction ** k - 1e-9);
}

const fraction = (reduction: number): string => (reduction === 2 ? 'half' : reduction === 3 ? 'third' : reduction === 4 ? 'quarter' : `1/${reduction}`);

export function createAshaPruner(minEpochs: number, reduction: number): Pruner {
  return {
    shouldPrune(trial: TrialRecord, history: readonly TrialRecord[], settings: SearchSettings): PruneDecision {
      const { metric, goal } = settings;
      const epoch = trial.intermediate.length;
      let decision: PruneDecision = { prune: false };
      for (let k = 0; rungEpoch(minEpochs, reduction, k) <= epoch; k++) {
        if (rungEpoch(minEpochs, reduction, k) !== epoch) continue;
        const value = trial.intermediate[epoch - 1];
        if (Number.isNaN(value)) return { prune: true, reason: `${metric} is NaN at epoch ${epoch} (rung ${k})` };
        const competing = history
          .filter((t) => t.number !== trial.number && t.intermediate.length >= epoch)
          .map((t) => t.intermediate[epoch - 1])
          .filter((x) => !Number.isNaN(x));
        competing.push(value);
        competing.sort((a, b) => a - b);
        const idx = Math.max(0, Math.floor(competing.length / reduction) - 1);
        const threshold = goal === 'minimize' ? competing[idx] : competing[competing.length - 1 - idx];
        const promoted = goal === 'minimize' ? value <= threshold : value >= threshold;
        const top = idx === 0 && competing.length < reduction ? 'the best' : `the top ${fraction(reduction)}`;
        const where = `${competing.length} trial${competing.length === 1 ? '' : 's'} at rung ${k} (epoch ${epoch})`;
        const bound = `${goal === 'minimize' ? '≤' : '≥'} ${formatMetric(threshold)}`;
        if (!promoted) return { prune: true, reason: `${metric} ${formatMetric(value)} at epoch ${epoch} is not within ${top} of ${where} (${bound})` };
        decision = { prune: false, reason: `${metric} ${formatMetric(value)} at epoch ${epoch} is within ${top} of ${where} (${bound})` };
      }
      return decision;
    },
  };
}
