/**
 * The runs table: from run summaries (run.json, the epochs logged, the resolved spec's parameters
 * by dotted path — ./params.ts), which parameters differ between runs, the metric columns, and a
 * short label per run by what differs (`lr 0.01 · units 128`). One rule names runs everywhere: the
 * runs view, the runs table, `modelyaml runs` and the curves panel's Compare. Pure, and free of
 * imports with weight, so the webviews use it through src/core/protocol/runsWebview.ts.
 */
import { canonical } from '../diff/values';

export type RunParamValue = string | number | boolean | null;
export type RunStatusName = 'running' | 'completed' | 'cancelled' | 'failed' | 'crashed';
export type MetricValues = Record<string, number | null>;

/** Set by a search's trial (docs/runs.md): the search's name, the trial's number and values. */
export interface RunSearchTag {
  name: string;
  trial?: number;
  params?: Record<string, RunParamValue>;
}

export interface RunSummary {
  /** The run folder (opaque to webviews: the host maps it back). */
  id: string;
  /** The spec file as run.json names it (the group key), else the spec's name. */
  spec: string;
  specName: string;
  status: RunStatusName;
  reason?: string;
  startedAt: string;
  durationMs?: number;
  backend?: string;
  /** Planned epochs and epochs run. */
  epochs?: number;
  epochsRun?: number;
  /** The last epoch's metrics; the best value of each over the epochs; the test split's. */
  final?: MetricValues;
  best?: MetricValues;
  test?: MetricValues;
  /** The resolved spec's parameters by dotted path; absent when the folder kept no spec copy. */
  params?: Record<string, RunParamValue>;
  search?: RunSearchTag;
  resumable?: boolean;
  evaluated?: boolean;
}

export interface LabelledRun extends RunSummary {
  /** What differs (`lr 0.01 · units 128`), else the start time. */
  label: string;
}

export interface RunsTable {
  runs: LabelledRun[];
  /** Parameter paths whose values are not the same in every run, most telling first. */
  params: string[];
  /** A short name per differing path, unique among them: `lr`, `hidden.units`. */
  shortNames: Record<string, string>;
  /** Metric columns: `final.val_loss`, `best.val_accuracy`, `test.accuracy`. */
  metrics: string[];
}

/** Short names for the settings people vary most, which also come first. */
const ABBREVIATIONS: Record<string, string> = { learning_rate: 'lr', batch_size: 'batch' };
const FIRST = ['learning_rate', 'batch_size', 'epochs', 'optimizer'];

const lastSegment = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/**
 * The paths whose values are not the same in every run that has parameters (a path one run lacks
 * differs). A path under an ancestor that differs goes without saying: `train.optimizer.adam.beta1`
 * when the optimizer itself changed.
 */
export function differingParams(runs: readonly RunSummary[]): string[] {
  const withParams = runs.filter((r) => r.params);
  if (withParams.length < 2) return [];
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of withParams) for (const k of Object.keys(r.params!)) if (!seen.has(k) && seen.add(k)) keys.push(k);
  const first = withParams[0].params!;
  const differs = new Set(keys.filter((k) => withParams.some((r) => canonical(r.params![k]) !== canonical(first[k]))));
  const underDiffering = (k: string) => [...differs].some((p) => p !== k && k.startsWith(`${p}.`));
  const rank = (k: string) => {
    const i = FIRST.indexOf(lastSegment(k));
    return i < 0 ? FIRST.length : i;
  };
  return keys.filter((k) => differs.has(k) && !underDiffering(k)).sort((a, b) => rank(a) - rank(b) || keys.indexOf(a) - keys.indexOf(b));
}

/** Each path's shortest unique tail: `units` alone, `hidden.units` when two layers' units differ. */
export function shortParamNames(paths: readonly string[]): Record<string, string> {
  const parts = new Map(paths.map((p) => [p, p.split('.')]));
  const tail = (p: string, n: number) => {
    const segs = parts.get(p)!;
    const t = segs.slice(Math.max(0, segs.length - n));
    t[t.length - 1] = ABBREVIATIONS[t[t.length - 1]] ?? t[t.length - 1];
    return t.join('.');
  };
  const out: Record<string, string> = {};
  for (const p of paths) {
    const max = parts.get(p)!.length;
    let n = 1;
    while (n < max && paths.some((q) => q !== p && tail(q, n) === tail(p, n))) n++;
    out[p] = tail(p, n);
  }
  return out;
}

export function formatParam(v: RunParamValue | undefined): string {
  if (v === undefined || v === null) return '—';
  return String(v);
}

/** The start as local date and time, `2026-12-06 17:02:41` (its ISO text when unreadable). */
export function startLabel(startedAt: string): string {
  const d = new Date(startedAt);
  if (Number.isNaN(d.getTime())) return startedAt;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A label per run by what differs between them: the first `maxParts` differing parameters
 * (`lr 0.01 · units 128 · +2`), the start time when nothing differs or the run kept no spec, and
 * the start time added where two runs would read the same.
 */
export function runLabels(runs: readonly RunSummary[], maxParts = 3): Map<string, string> {
  const keys = differingParams(runs);
  const names = shortParamNames(keys);
  const texts = runs.map((r) => {
    if (!keys.length || !r.params) return startLabel(r.startedAt);
    const parts = keys.map((k) => `${names[k]} ${formatParam(r.params![k])}`);
    return parts.slice(0, maxParts).join(' · ') + (parts.length > maxParts ? ` · +${parts.length - maxParts}` : '');
  });
  const out = new Map<string, string>();
  runs.forEach((r, i) => {
    const shared = texts.some((t, j) => j !== i && t === texts[i]);
    out.set(r.id, shared && texts[i] !== startLabel(r.startedAt) ? `${texts[i]} · ${startLabel(r.startedAt)}` : texts[i]);
  });
  return out;
}

/** Whether a smaller value of the metric is better (losses and errors). */
export function lowerIsBetter(metric: string): boolean {
  return /loss|error|mae|mse|mape|msle|hinge|crossentropy|divergence/i.test(metric);
}

/** Each metric's best value over the epochs (lowest loss, highest accuracy). */
export function bestMetrics(epochs: readonly MetricValues[]): MetricValues {
  const best: MetricValues = {};
  for (const m of epochs) {
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const b = best[k];
      if (b === undefined || b === null || (lowerIsBetter(k) ? v < b : v > b)) best[k] = v;
    }
  }
  return best;
}

/** Loss first, each metric before its `val_` twin. */
function metricOrder(a: string, b: string): number {
  const rank = (k: string) => (k.replace(/^(val_|test_)/, '') === 'loss' ? 0 : 2) + (k.startsWith('val_') ? 1 : 0);
  return rank(a) - rank(b) || a.replace(/^(val_|test_)/, '').localeCompare(b.replace(/^(val_|test_)/, ''));
}

/** The metric columns: every final metric, the best of each validation metric, every test metric. */
export function metricColumns(runs: readonly RunSummary[]): string[] {
  const keys = (pick: (r: RunSummary) => MetricValues | undefined, only?: (k: string) => boolean) =>
    [...new Set(runs.flatMap((r) => Object.keys(pick(r) ?? {})))].filter((k) => !only || only(k)).sort(metricOrder);
  return [
    ...keys((r) => r.final).map((k) => `final.${k}`),
    ...keys((r) => r.best, (k) => k.startsWith('val_')).map((k) => `best.${k}`),
    ...keys((r) => r.test).map((k) => `test.${k}`),
  ];
}

/** A metric column's value for a run (`final.val_loss`). */
export function metricValue(run: RunSummary, column: string): number | null | undefined {
  const dot = column.indexOf('.');
  const where = column.slice(0, dot) as 'final' | 'best' | 'test';
  return run[where]?.[column.slice(dot + 1)];
}

/** The table of one set of runs (one spec's, or one search's): its labelled rows and columns. */
export function runsTable(runs: readonly RunSummary[]): RunsTable {
  const params = differingParams(runs);
  const labels = runLabels(runs);
  return { runs: runs.map((r) => ({ ...r, label: labels.get(r.id)! })), params, shortNames: shortParamNames(params), metrics: metricColumns(runs) };
}

export interface RunGroup {
  /** `spec:<path>` or `search:<spec>:<name>`. */
  key: string;
  /** The spec's name, or the search's. */
  title: string;
  spec: string;
  search?: string;
  runs: RunSummary[];
}

/**
 * Runs by spec, newest first within each; a search's trials in a group of their own under the
 * spec's (the spec's group comes first, then its searches).
 */
export function groupRuns(runs: readonly RunSummary[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const r of [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt))) {
    const key = r.search ? `search:${r.spec}:${r.search.name}` : `spec:${r.spec}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, title: r.search ? r.search.name : r.specName, spec: r.spec, ...(r.search ? { search: r.search.name } : {}), runs: [] };
      groups.set(key, g);
    }
    g.runs.push(r);
  }
  return [...groups.values()].sort((a, b) => a.spec.localeCompare(b.spec) || (a.search ? 1 : 0) - (b.search ? 1 : 0) || (a.search ?? '').localeCompare(b.search ?? ''));
}

/** `1 h 02 min`, `3 min 05 s`, `12.4 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A metric as the table prints it: four significant digits. */
export function formatMetric(v: number | null | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return 'NaN';
  return Math.abs(v) >= 1000 || v === Math.round(v) ? String(Math.round(v * 1000) / 1000) : v.toPrecision(4).replace(/\.?0+$/, '');
}
