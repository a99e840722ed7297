/**
 * Hyperparameter search: the types the language (the `search:` section), the samplers and
 * pruners, and the runner share. Pure data; no I/O.
 *
 * Who owns what:
 * - `src/core/search/space.ts` (language): reads and checks the section into `SearchSettings`,
 *   resolves parameter paths against the spec, and writes trial values into a spec's text.
 * - `src/core/search/samplers/`, `pruners/` (algorithms): `Sampler` and `Pruner` below.
 * - `src/node/search/` (runner): the journal, trials as ordinary runs, resume.
 */

/** A value a trial gives a parameter. */
export type ParamValue = number | string | boolean;

/** The distribution of one searched parameter. Bounds are inclusive. */
export type SpaceDist =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'loguniform'; low: number; high: number }
  /** Integers low, low + step, …, ≤ high; `log` samples on a log scale (low ≥ 1). */
  | { kind: 'int'; low: number; high: number; step: number; log?: boolean }
  /** Unordered categories. */
  | { kind: 'choice'; values: readonly ParamValue[] }
  /** Every value is tried (the grid sampler's cartesian product; other samplers treat it as a choice). */
  | { kind: 'grid'; values: readonly ParamValue[] };

export interface SearchParam {
  /** The path as written in `space:`, e.g. `model.layers.hidden.units` or `model.layers[3].dropout.rate`. */
  path: string;
  dist: SpaceDist;
}

export type PrunerSettings =
  | { kind: 'none' }
  /** Prune a trial whose metric at an epoch is worse than the median of earlier trials at that epoch. */
  | { kind: 'median'; startupTrials: number; warmupEpochs: number }
  /** Asynchronous successive halving: rungs at min_epochs · reduction^k; keep the top 1/reduction. */
  | { kind: 'asha'; minEpochs: number; reduction: number };

export type Goal = 'minimize' | 'maximize';

export interface SearchSettings {
  /** A metric the spec logs per epoch, e.g. `val_loss`, `val_accuracy`. */
  metric: string;
  goal: Goal;
  trials: number;
  parallel: number;
  sampler: 'random' | 'grid' | 'tpe';
  pruner: PrunerSettings;
  seed: number;
  space: readonly SearchParam[];
}

/** Trial values by parameter path. */
export type TrialParams = Record<string, ParamValue>;

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface TrialRecord {
  /** 0-based, in the order trials were started. */
  number: number;
  params: TrialParams;
  state: TrialState;
  /** The metric per epoch reported so far (index 0 = epoch 1). */
  intermediate: readonly number[];
  /** The trial's final metric (its best epoch's value when early stopping restores best weights). */
  value?: number;
  /** Why a trial was pruned or failed, in words. */
  reason?: string;
  /** The trial's run folder, relative to the journal's folder. */
  runDir?: string;
}

/** A seeded source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

export interface SamplerContext {
  settings: SearchSettings;
  /** Every trial started so far, including running ones, in start order. */
  history: readonly TrialRecord[];
  /** The number the new trial will get. */
  trialNumber: number;
  /** Seeded from `settings.seed` and `trialNumber`, so a resumed search samples the same values. */
  rng: Rng;
}

export interface Sampler {
  /** The parameters of the next trial; `undefined` when the space is exhausted (grid). */
  sample(ctx: SamplerContext): TrialParams | undefined;
}

export interface PruneDecision {
  prune: boolean;
  /** Why, in words: e.g. "val_loss 0.61 at epoch 3 is worse than the rung's top third (≤ 0.48)". */
  reason?: string;
}

export interface Pruner {
  /** Called after each epoch of a running trial; `trial.intermediate` holds its values so far. */
  shouldPrune(trial: TrialRecord, history: readonly TrialRecord[], settings: SearchSettings): PruneDecision;
}
