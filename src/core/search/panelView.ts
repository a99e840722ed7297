/**
 * What the search panel shows of a study: a row per trial (parameters, state, metric, epochs run,
 * why pruned or failed), the best-so-far line, the parameters' importance, and the search's
 * settings in words. Built by the host from the replayed journal; the webview only draws it. Pure.
 */
import { shortParamNames } from '../runs/table';
import { bestSoFar, IMPORTANCE_METHOD, paramImportance, type Importance } from './importance';
import { bestTrial, type Study } from './journal';
import type { ParamValue, PrunerSettings, TrialState } from './types';

export interface SearchTrialRow {
  number: number;
  params: Record<string, ParamValue>;
  state: TrialState;
  /** The trial's final metric (complete trials). */
  value: number | null;
  /** The metric at the last epoch reported (running and pruned trials; null: none, or NaN). */
  last: number | null;
  /** Epochs the trial reported. */
  epochs: number;
  reason?: string;
  /** Whether its run folder is known (its curves and spec copy can open). */
  hasRun: boolean;
  /** The best complete value up to and including this trial (by number). */
  bestSoFar: number | null;
}

export interface SearchPanelView {
  name: string;
  /** The spec, and the search folder, as the user reads them (relative to the workspace). */
  spec: string;
  folder: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  /** `tpe · asha (min 1 epoch, reduction 3) · 24 trials, 2 at a time · seed 3`. */
  settings: string;
  budget: number;
  finished: boolean;
  interrupted: boolean;
  params: { path: string; short: string; log: boolean }[];
  trials: SearchTrialRow[];
  best?: number;
  importance: Importance & { method: string };
}

const finiteOrNull = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function prunerText(p: PrunerSettings): string {
  switch (p.kind) {
    case 'none':
      return 'no pruning';
    case 'median':
      return `median pruning (after ${p.startupTrials} trials, ${p.warmupEpochs} warm-up epochs)`;
    case 'asha':
      return `ASHA (min ${p.minEpochs} epoch${p.minEpochs === 1 ? '' : 's'}, reduction ${p.reduction})`;
  }
}

export function searchPanelView(study: Study, where: { spec: string; folder: string }): SearchPanelView {
  const s = study.settings;
  const trials = [...study.trials].sort((a, b) => a.number - b.number);
  const best = bestSoFar(trials, s.goal);
  const paths = s.space.map((p) => p.path);
  const short = shortParamNames(paths);
  return {
    name: study.name,
    ...where,
    metric: s.metric,
    goal: s.goal,
    settings: `${s.sampler} · ${prunerText(s.pruner)} · ${s.trials} trials, ${s.parallel} at a time · seed ${s.seed}`,
    budget: s.trials,
    finished: study.finished,
    interrupted: study.interrupted,
    params: s.space.map((p) => ({ path: p.path, short: short[p.path], log: p.dist.kind === 'loguniform' || (p.dist.kind === 'int' && !!p.dist.log) })),
    trials: trials.map((t, i) => ({
      number: t.number,
      params: t.params,
      state: t.state,
      value: t.state === 'complete' ? finiteOrNull(t.value) : null,
      last: finiteOrNull(t.intermediate[t.intermediate.length - 1]),
      epochs: t.intermediate.length,
      ...(t.reason ? { reason: t.reason } : {}),
      hasRun: !!t.runDir,
      bestSoFar: best[i] ?? null,
    })),
    ...(bestTrial(study) ? { best: bestTrial(study)!.number } : {}),
    importance: { ...paramImportance(s.space, trials), method: IMPORTANCE_METHOD },
  };
}
