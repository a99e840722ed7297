/**
 * The per-class table (precision, recall, F1, support, ROC AUC, average precision) with the
 * macro and weighted averages under it. Each column header is a button that sorts by it (again:
 * the other way); `aria-sort` says which column sorts and how.
 */
import { CLASS_TABLE_KEYS, type ClassTableKey, type ClassificationEvaluation } from '../../src/core/protocol/evaluationWebview';
import { el } from '../shared/dom';

type Row = ClassificationEvaluation['perClass'][number];

const HEADINGS: Record<ClassTableKey, string> = { name: 'Class', precision: 'Precision', recall: 'Recall', f1: 'F1', support: 'Support', rocAuc: 'ROC AUC', averagePrecision: 'Avg. precision' };

/** A score with 4 digits, as the text report prints it; a missing one (null: undefined for this split) as a dash. */
export const fmt = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const count = (v: number) => String(v);

/** The rows in the order asked for: names alphabetically (numerically when they are numbers), numbers with null last. */
export function sortRows(rows: readonly Row[], key: ClassTableKey, descending: boolean): Row[] {
  const collator = new Intl.Collator(undefined, { numeric: true });
  const cmp = (a: Row, b: Row): number => {
    if (key === 'name') return collator.compare(a.name, b.name);
    const [x, y] = [a[key], b[key]];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return x - y;
  };
  const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => {
    const c = cmp(a.r, b.r);
    const nullLast = key !== 'name' && (a.r[key] === null || b.r[key] === null);
    return (nullLast ? c : descending ? -c : c) || a.i - b.i;
  });
  return sorted.map((x) => x.r);
}

export function renderClassTable(box: HTMLElement, e: ClassificationEvaluation, sort: { key: ClassTableKey; descending: boolean }, onSort: (key: ClassTableKey) => void): void {
  const head = el(
    'tr',
    {},
    ...CLASS_TABLE_KEYS.map((k) => {
      const active = sort.key === k;
      const button = el('button', { type: 'button', class: 'sort', 'data-key': k, title: `Sort by ${HEADINGS[k]}` }, HEADINGS[k], active ? (sort.descending ? ' ▼' : ' ▲') : '');
      button.addEventListener('click', () => onSort(k));
      return el('th', { scope: 'col', 'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : 'none' }, button);
    }),
  );
  const body = sortRows(e.perClass, sort.key, sort.descending).map((r) =>
    el('tr', { 'data-class': r.name }, el('th', { scope: 'row' }, r.name), ...CLASS_TABLE_KEYS.slice(1).map((k) => el('td', { 'data-key': k }, k === 'support' ? count(r.support) : fmt(r[k] as number | null)))),
  );
  const m = e.metrics;
  const avg = (label: string, s: { precision: number; recall: number; f1: number; support: number }, auc: number | null, ap: number) =>
    el('tr', { class: 'average' }, el('th', { scope: 'row' }, label), el('td', {}, fmt(s.precision)), el('td', {}, fmt(s.recall)), el('td', {}, fmt(s.f1)), el('td', {}, count(s.support)), el('td', {}, fmt(auc)), el('td', {}, fmt(ap)));
  const foot = [avg('macro avg', m.macro, m.rocAuc.macro, m.averagePrecision.macro), avg('weighted avg', m.weighted, m.rocAuc.weighted, m.averagePrecision.weighted)];
  box.replaceChildren(el('table', { class: 'classes', 'aria-label': 'Scores per class' }, el('thead', {}, head), el('tbody', {}, ...body), el('tfoot', {}, ...foot)));
}

type Thresholds = NonNullable<ClassificationEvaluation['thresholds']>;

/** The rows of the threshold table: about `max` evenly spaced over the sweep, and the best-F1 row wherever it falls. */
export function thresholdRows(t: Thresholds, max = 11): Thresholds['rows'] {
  const n = t.rows.length;
  const step = Math.max(1, (n - 1) / Math.max(1, max - 1));
  const picked = new Set<number>();
  for (let i = 0; i < Math.min(n, max); i++) picked.add(Math.round(i * step));
  const rows = [...picked].filter((i) => i < n).map((i) => t.rows[i]);
  if (!rows.some((r) => r.threshold === t.bestF1.threshold)) rows.push(t.bestF1);
  return rows.sort((a, b) => a.threshold - b.threshold);
}

/** The binary threshold sweep as a table, the best-F1 row marked. */
export function renderThresholdTable(box: HTMLElement, t: Thresholds): void {
  const cols = ['threshold', 'precision', 'recall', 'f1', 'falsePositiveRate', 'accuracy', 'tp', 'fp', 'fn', 'tn'] as const;
  const heads = ['Threshold', 'Precision', 'Recall', 'F1', 'FPR', 'Accuracy', 'TP', 'FP', 'FN', 'TN'];
  const body = thresholdRows(t).map((r) => {
    const best = r.threshold === t.bestF1.threshold;
    return el('tr', { class: best ? 'best' : undefined, 'data-threshold': String(r.threshold) }, ...cols.map((k, i) => el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, ['tp', 'fp', 'fn', 'tn'].includes(k) ? count(r[k]) : fmt(r[k]), i === 0 && best ? ' (best F1)' : '')));
  });
  box.replaceChildren(el('table', { class: 'classes thresholds', 'aria-label': 'Scores at thresholds' }, el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...body)));
}
