/**
 * The runs table's model, without the DOM: its columns (run, status, start, backend, duration,
 * metrics, differing parameters), each cell's text and sort key, the text filter and the sort.
 */
import { formatDuration, formatMetric, formatParam, metricValue, startLabel, lowerIsBetter, type LabelledRun, type RunsTable } from '../../src/core/protocol/runsWebview';

export interface Column {
  id: string;
  title: string;
  /** The full name (a parameter's dotted path), for the header's tooltip. */
  detail: string;
  kind: 'fixed' | 'metric' | 'param';
  numeric: boolean;
  text(r: LabelledRun): string;
  /** What the column sorts by; undefined sorts last. */
  key(r: LabelledRun): number | string | undefined;
}

const fixed = (id: string, title: string, text: (r: LabelledRun) => string, key: (r: LabelledRun) => number | string | undefined, numeric = false): Column => ({ id, title, detail: title, kind: 'fixed', numeric, text, key });

export function columnsOf(t: RunsTable): Column[] {
  return [
    fixed('label', 'Run', (r) => r.label, (r) => r.label),
    fixed('status', 'Status', (r) => r.status, (r) => r.status),
    fixed('started', 'Started', (r) => startLabel(r.startedAt), (r) => r.startedAt),
    fixed('backend', 'Backend', (r) => r.backend ?? '—', (r) => r.backend),
    fixed('duration', 'Duration', (r) => formatDuration(r.durationMs), (r) => r.durationMs, true),
    ...t.metrics.map((m): Column => ({
      id: m,
      title: m.replace(/^final\./, '').replace(/^best\./, 'best ').replace(/^test\./, 'test '),
      detail: `${m} (${m.startsWith('best.') ? (lowerIsBetter(m) ? 'lowest' : 'highest') + ' over the epochs' : m.startsWith('test.') ? 'on the test split' : 'at the last epoch'})`,
      kind: 'metric',
      numeric: true,
      text: (r) => formatMetric(metricValue(r, m)),
      key: (r) => metricValue(r, m) ?? undefined,
    })),
    ...t.params.map((p): Column => ({
      id: `param:${p}`,
      title: t.shortNames[p] ?? p,
      detail: p,
      kind: 'param',
      numeric: t.runs.every((r) => r.params?.[p] === undefined || r.params[p] === null || typeof r.params[p] === 'number'),
      text: (r) => formatParam(r.params?.[p]),
      key: (r) => {
        const v = r.params?.[p];
        return v === null || v === undefined ? undefined : typeof v === 'number' ? v : String(v);
      },
    })),
  ];
}

/** Runs with a cell that contains the filter's text (case-insensitive): `lr 0.01`, `failed`, `wasm`. */
export function filterRuns(runs: readonly LabelledRun[], columns: readonly Column[], filter: string): LabelledRun[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return [...runs];
  return runs.filter((r) => columns.some((c) => c.text(r).toLowerCase().includes(needle)));
}

export function sortRuns(runs: readonly LabelledRun[], column: Column | undefined, descending: boolean): LabelledRun[] {
  if (!column) return [...runs];
  const sign = descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const x = column.key(a);
    const y = column.key(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y), undefined, { numeric: true });
  });
}
