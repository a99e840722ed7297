/**
 * Which searched parameters the metric depends on, as the search panel shows it. The method, said
 * plainly (the panel and docs/search.md repeat it): over the complete trials, each parameter's
 * share of the metric's variance that its binned means explain — the correlation ratio η²
 * (between-bin sum of squares ÷ total sum of squares), corrected for the number of bins as ε²
 * = (SS_between − (k − 1)·MS_within) ÷ SS_total, floored at 0, so that a parameter the metric
 * ignores scores about 0 rather than (k − 1)/(n − 1). A categorical parameter (choice, grid,
 * booleans, strings) gets a bin per value; a numeric one with more distinct values than bins is
 * cut into equal-count bins by rank (so a log-uniform learning rate is binned like its logarithm),
 * at most ⌊√n⌋ bins (at least 2). Each parameter is taken alone: two correlated parameters can
 * both score high, and the values need not add up to 1. It is simpler than fANOVA (Optuna's
 * default, which fits a random forest) and says what it measures; with few trials it is noisy,
 * so fewer than MIN_TRIALS complete trials give no numbers at all. Pure.
 */
import type { Goal, ParamValue, SearchParam, TrialRecord } from './types';

/** Below this many complete trials the panel says so instead of showing numbers. */
export const MIN_TRIALS = 4;

export const IMPORTANCE_METHOD =
  'ε² (the correlation ratio η² corrected for the number of bins): the share of the metric’s variance across complete trials that the parameter’s binned means explain, 0 when it explains no more than chance. Numbers in up to √n equal-count bins, categories a bin each; each parameter taken alone.';

export interface ParamImportance {
  path: string;
  /** ε², 0 (it explains no more than chance) to 1 (it explains all the variance). */
  value: number;
  /** How many bins its values fell into. */
  bins: number;
}

export interface Importance {
  /** By value, highest first. */
  params: ParamImportance[];
  /** The complete trials with a finite metric that were used. */
  trials: number;
  /** Why there are no numbers (too few trials, a metric that never varies). */
  note?: string;
}

/** Bin labels for one parameter's values: a bin index per value. */
export function binValues(values: readonly ParamValue[], maxBins: number): { bin: number[]; bins: number } {
  const numeric = values.every((v) => typeof v === 'number');
  const distinct = [...new Set(values.map((v) => (typeof v === 'number' ? v : `s:${String(v)}`)))];
  if (!numeric || distinct.length <= maxBins) {
    const index = new Map(distinct.map((v, i) => [v, i]));
    return { bin: values.map((v) => index.get(typeof v === 'number' ? v : `s:${String(v)}`)!), bins: distinct.length };
  }
  // Equal-count bins by rank; equal values share a bin (the first rank of the value decides).
  const nums = values as readonly number[];
  const sorted = [...nums].sort((a, b) => a - b);
  const firstRank = new Map<number, number>();
  sorted.forEach((v, i) => firstRank.has(v) || firstRank.set(v, i));
  const bin = nums.map((v) => Math.min(maxBins - 1, Math.floor((firstRank.get(v)! * maxBins) / nums.length)));
  return { bin, bins: new Set(bin).size };
}

/** ε² of `y` grouped by `bin` (with `adjusted: false`, the plain η²). */
export function correlationRatio(y: readonly number[], bin: readonly number[], adjusted = true): number {
  const n = y.length;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const total = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  if (!(total > 0)) return 0;
  const sums = new Map<number, { sum: number; count: number }>();
  y.forEach((v, i) => {
    const s = sums.get(bin[i]) ?? { sum: 0, count: 0 };
    s.sum += v;
    s.count++;
    sums.set(bin[i], s);
  });
  let between = 0;
  for (const { sum, count } of sums.values()) between += count * (sum / count - mean) ** 2;
  const k = sums.size;
  // Within-bin mean square; with a bin per trial there is none to correct by.
  const meanSquareWithin = adjusted && n > k ? (total - between) / (n - k) : 0;
  return Math.min(1, Math.max(0, (between - (k - 1) * meanSquareWithin) / total));
}

/** Each searched parameter's ε² over the complete trials. */
export function paramImportance(space: readonly Pick<SearchParam, 'path'>[], trials: readonly TrialRecord[]): Importance {
  const done = trials.filter((t) => t.state === 'complete' && typeof t.value === 'number' && Number.isFinite(t.value));
  if (done.length < MIN_TRIALS) {
    return { params: [], trials: done.length, note: `Needs at least ${MIN_TRIALS} complete trials (${done.length} so far).` };
  }
  const y = done.map((t) => t.value!);
  if (y.every((v) => v === y[0])) return { params: [], trials: done.length, note: 'Every complete trial reached the same value: nothing to explain.' };
  const maxBins = Math.max(2, Math.floor(Math.sqrt(done.length)));
  const params = space.map(({ path }) => {
    const present = done.filter((t) => t.params[path] !== undefined);
    if (present.length < MIN_TRIALS) return { path, value: 0, bins: 0 };
    const { bin, bins } = binValues(present.map((t) => t.params[path]), maxBins);
    return { path, value: correlationRatio(present.map((t) => t.value!), bin), bins };
  });
  return { params: params.sort((a, b) => b.value - a.value), trials: done.length };
}

/** The best complete value up to each trial (by number): undefined before the first complete one. */
export function bestSoFar(trials: readonly TrialRecord[], goal: Goal): (number | undefined)[] {
  let best: number | undefined;
  return [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => {
      if (t.state === 'complete' && typeof t.value === 'number' && Number.isFinite(t.value) && (best === undefined || (goal === 'minimize' ? t.value < best : t.value > best))) best = t.value;
      return best;
    });
}
