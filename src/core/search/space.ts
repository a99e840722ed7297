/**
 * The `search:` section as the samplers and the runner use it: `SearchSettings` with every
 * default applied, from a spec's text or its analysis.
 */
import { analyze, type Analysis, type AnalyzeOptions } from '../analyze';
import type { Diagnostic } from '../diagnostics';
import { defaultMetric, inferGoal } from './metric';
import type { SearchSettings } from './types';

/** The defaults of the section's keys (the structure's, `src/core/structure.ts`, says the same). */
export const SEARCH_DEFAULTS = { trials: 20, parallel: 1, sampler: 'tpe', pruner: { kind: 'none' } } as const;

/**
 * The search settings of an analysed spec, or undefined when it has no `search:` section or any
 * error (anywhere in the spec: a search never starts trials whose spec cannot build).
 */
export function searchSettings(analysis: Analysis): SearchSettings | undefined {
  const { spec } = analysis;
  const s = spec.search;
  if (!s || analysis.diagnostics.some((d) => d.severity === 'error')) return undefined;
  const metric = s.metric?.value ?? defaultMetric(spec);
  return {
    metric,
    goal: s.goal?.value ?? inferGoal(metric),
    trials: s.trials?.value ?? SEARCH_DEFAULTS.trials,
    parallel: s.parallel?.value ?? SEARCH_DEFAULTS.parallel,
    sampler: s.sampler?.value ?? SEARCH_DEFAULTS.sampler,
    pruner: s.pruner?.value ?? SEARCH_DEFAULTS.pruner,
    seed: s.seed?.value ?? spec.seed?.value ?? 42,
    space: (s.space?.entries ?? []).map((e) => ({ path: e.path, dist: e.dist! })),
  };
}

/**
 * Reads and checks a spec's `search:` section. `diagnostics` are the whole spec's (the section's
 * findings among them); `settings` is set only when none of them is an error.
 */
export function readSearchSettings(text: string, options: AnalyzeOptions = {}): { settings?: SearchSettings; diagnostics: Diagnostic[] } {
  const analysis = analyze(text, options);
  const settings = searchSettings(analysis);
  if (!analysis.spec.search && !analysis.diagnostics.some((d) => d.severity === 'error')) {
    return { diagnostics: [...analysis.diagnostics, { code: 'search/missing', severity: 'error', message: 'This spec has no `search:` section: add one to say which parameters to search (docs/search.md).', range: { start: 0, end: 0 } }] };
  }
  return { settings, diagnostics: analysis.diagnostics };
}
