/**
 * The search panel: a search's trials as they run. A table (trial, parameters, status, metric,
 * epochs, why pruned or failed), a parallel-coordinates chart of parameters → metric (drag on an
 * axis to filter the table; the runs table's component), the metric by trial with the best-so-far
 * line, and each parameter's importance with its method in words. A trial's number opens its
 * curves and spec copy; ticking trials and "Compare curves" overlays them; "Apply best" writes
 * the best trial's values into the spec (the host makes it one undoable edit).
 */
import '../shared/base.css';
import '../shared/controls.css';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { formatMetric, formatParam, validateSearchToWebview, type SearchFromWebview, type SearchPanelView, type SearchToWebview, type SearchTrialRow, type SearchViewState } from '../../src/core/protocol/searchWebview';
import { connectToHost } from '../shared/host';
import { announce, el } from '../shared/dom';
import { onThemeChange } from '../shared/theme';
import { ParallelCoordinates } from '../shared/parallelCoordinates';
import { MetricChart } from './metricChart';

const conn = connectToHost<SearchToWebview, SearchFromWebview, SearchViewState>(validateSearchToWebview);
const kept = conn.initialState() as Partial<SearchViewState> | undefined;
const selected = new Set<number>(Array.isArray(kept?.selected) ? kept.selected.filter((n): n is number => Number.isInteger(n)) : []);
let view: SearchPanelView | undefined;
let brushed: Set<string> | null = null;

let folder = typeof kept?.folder === 'string' ? kept.folder : undefined;
const save = () => conn.saveState({ v: 1, selected: [...selected], ...(folder !== undefined && { folder }) });

const app = document.getElementById('app')!;
const title = el('h1', { id: 'title' }, 'Search');
const summary = el('span', { id: 'summary', class: 'muted' });
const applyBest = el('button', { id: 'apply-best', type: 'button', disabled: '' }, 'Apply best');
const compareButton = el('button', { id: 'compare', type: 'button', class: 'secondary', disabled: '' }, 'Compare curves');
const clearBrushes = el('button', { id: 'clear-brushes', type: 'button', class: 'secondary', disabled: '' }, 'Clear axis filters');
const count = el('span', { id: 'count', class: 'muted', role: 'status' });
app.append(el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Search' }, title, summary, applyBest, compareButton, clearBrushes, count));

const chart = new ParallelCoordinates({
  onBrush: (ids) => {
    brushed = ids;
    clearBrushes.toggleAttribute('disabled', ids === null);
    renderRows();
  },
});
const metricChart = new MetricChart();
const importanceList = el('ol', { id: 'importance-list', class: 'importance' });
const importanceNote = el('p', { id: 'importance-note', class: 'muted' });
const importanceMethod = el('p', { id: 'importance-method', class: 'muted method' });
const section = (id: string, heading: string, ...body: Node[]) => el('section', { id, class: 'panel-section', 'aria-label': heading }, el('h2', {}, heading), ...body);
const pcSection = section('pc', 'Parameters → metric', chart.element);
const empty = el('div', { class: 'empty', id: 'empty' }, 'Loading the search…');
const tableEl = el('table', { id: 'trials', class: 'data-table', 'aria-label': 'Trials', hidden: '' });
const charts = el('div', { class: 'charts' }, section('by-trial', 'Metric by trial', metricChart.element), section('importance', 'Parameter importance', importanceList, importanceNote, importanceMethod));
app.append(empty, pcSection, charts, el('div', { class: 'table-wrap' }, tableEl));

const metricText = (t: SearchTrialRow) => (t.state === 'complete' ? formatMetric(t.value) : t.last === null ? '—' : `${formatMetric(t.last)} (epoch ${t.epochs})`);

function header(v: SearchPanelView): HTMLElement {
  const th = (text: string, cls = '', detail?: string) => el('th', { scope: 'col', class: cls, ...(detail ? { title: detail } : {}) }, text);
  return el('thead', {}, el('tr', {},
    el('th', { scope: 'col', class: 'check' }, el('span', { class: 'sr-only' }, 'Select')),
    th('Trial', 'num'),
    ...v.params.map((p) => th(p.short, 'num', p.path)),
    th('Status'),
    th(v.metric, 'num', `${v.metric} (${v.goal}); a running or pruned trial shows its last epoch's value`),
    th('Epochs', 'num'),
    th('Why'),
    el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')),
  ));
}

function row(v: SearchPanelView, t: SearchTrialRow): HTMLElement {
  const box = el('input', { type: 'checkbox', 'aria-label': `Select trial ${t.number}` }) as HTMLInputElement;
  box.checked = selected.has(t.number);
  box.disabled = !t.hasRun;
  box.addEventListener('change', () => {
    if (box.checked) selected.add(t.number);
    else selected.delete(t.number);
    save();
    updateSelection();
  });
  const open = el('button', { type: 'button', class: 'link open-trial', 'aria-label': `Open trial ${t.number}: its curves and its spec copy`, title: 'Open its curves and its spec copy' }, `#${t.number}`);
  open.toggleAttribute('disabled', !t.hasRun);
  open.addEventListener('click', () => conn.post({ type: 'openTrial', number: t.number }));
  const apply = el('button', { type: 'button', class: 'link', 'aria-label': `Write trial ${t.number}'s values into the spec` }, 'Apply');
  apply.addEventListener('click', () => conn.post({ type: 'applyTrial', number: t.number }));
  return el('tr', { 'data-trial': String(t.number), class: `${selected.has(t.number) ? 'selected' : ''} ${t.number === v.best ? 'best' : ''}`.trim() },
    el('td', { class: 'check' }, box),
    el('th', { scope: 'row', class: 'num' }, open, t.number === v.best ? el('span', { class: 'best-mark', title: 'The best trial' }, ' ★') : ''),
    ...v.params.map((p) => el('td', { class: 'num' }, t.params[p.path] === undefined ? '—' : formatParam(t.params[p.path]))),
    el('td', { class: `status ${t.state}` }, t.state),
    el('td', { class: 'num metric' }, metricText(t)),
    el('td', { class: 'num' }, String(t.epochs)),
    el('td', { class: 'why', title: t.reason ?? '' }, t.reason ?? ''),
    el('td', { class: 'actions' }, apply),
  );
}

function updateSelection(): void {
  const n = selected.size;
  compareButton.toggleAttribute('disabled', n < 2);
  compareButton.title = n < 2 ? 'Tick two or more trials to overlay their curves' : `Overlay ${n} trials in the curves panel`;
  for (const tr of tableEl.querySelectorAll<HTMLElement>('tbody tr')) tr.classList.toggle('selected', selected.has(Number(tr.dataset.trial)));
  chart.highlight(new Set([...selected].map(String)));
}

function renderRows(): void {
  if (!view) return;
  const v = view;
  const rows = v.trials.filter((t) => !brushed || brushed.has(String(t.number)));
  const body = el('tbody', {}, ...rows.map((t) => row(v, t)));
  const old = tableEl.querySelector('tbody');
  if (old) old.replaceWith(body);
  else tableEl.append(body);
  count.textContent = `${rows.length} of ${v.trials.length} trials`;
  updateSelection();
}

function renderChart(v: SearchPanelView): void {
  const metric = (t: SearchTrialRow) => (t.state === 'complete' ? t.value : t.last);
  chart.update(
    v.trials.map((t) => ({ id: String(t.number), label: `trial ${t.number} (${t.state}): ${v.metric} ${metricText(t)}` })),
    [...v.params.map((p) => ({ id: `param:${p.path}`, label: p.short, values: v.trials.map((t) => t.params[p.path]) })), { id: 'metric', label: v.metric, values: v.trials.map(metric) }],
  );
  brushed = chart.passing();
  pcSection.hidden = v.trials.length < 2;
}

function renderImportance(v: SearchPanelView): void {
  const imp = v.importance;
  importanceList.replaceChildren(
    ...imp.params.map((p) => {
      const short = v.params.find((x) => x.path === p.path)?.short ?? p.path;
      const pct = Math.round(p.value * 100);
      return el('li', { 'data-param': p.path, title: `${p.path}: ${pct}% of the variance (${p.bins} bins)` },
        el('span', { class: 'imp-name' }, short),
        el('span', { class: 'imp-bar', 'aria-hidden': 'true' }, el('span', { class: 'imp-fill', style: `width: ${Math.max(0, Math.min(100, pct))}%` })),
        el('span', { class: 'imp-value num' }, `${pct}%`),
      );
    }),
  );
  importanceNote.textContent = imp.note ?? `From ${imp.trials} complete trials.`;
  importanceMethod.textContent = `Method: ${imp.method}`;
}

function show(v: SearchPanelView): void {
  view = v;
  for (const n of [...selected]) if (!v.trials.some((t) => t.number === n && t.hasRun)) selected.delete(n);
  title.textContent = `Search: ${v.name}`;
  const state = v.finished ? 'finished' : v.interrupted ? 'interrupted (resume to carry on)' : 'running';
  summary.textContent = `${v.spec} · ${v.settings} · ${state}`;
  summary.title = v.folder;
  const best = v.trials.find((t) => t.number === v.best);
  applyBest.toggleAttribute('disabled', !best);
  applyBest.textContent = best ? `Apply best (trial ${best.number})` : 'Apply best';
  applyBest.title = best ? `Write trial ${best.number}'s values into ${v.spec} (one edit; Undo takes it back)` : 'No trial has completed yet';
  empty.hidden = v.trials.length > 0;
  if (!v.trials.length) empty.textContent = 'No trial has started yet.';
  tableEl.hidden = !v.trials.length;
  charts.hidden = !v.trials.length;
  tableEl.replaceChildren(header(v));
  renderChart(v);
  metricChart.update(v);
  renderImportance(v);
  renderRows();
}

applyBest.addEventListener('click', () => {
  if (view?.best === undefined) return;
  conn.post({ type: 'applyTrial', number: view.best });
  announce(`Writing trial ${view.best}'s values into the spec`);
});
compareButton.addEventListener('click', () => conn.post({ type: 'compareTrials', numbers: [...selected] }));
clearBrushes.addEventListener('click', () => chart.clearBrushes());
onThemeChange(() => metricChart.redraw());
// Both charts size themselves to the panel when drawn: draw again once a resize settles.
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (!view) return;
    renderChart(view);
    metricChart.redraw();
    renderRows();
  }, 150);
});

conn.start((m) => {
  if (m.type === 'empty') {
    view = undefined;
    empty.textContent = m.message;
    empty.hidden = false;
    tableEl.hidden = true;
    pcSection.hidden = true;
    charts.hidden = true;
    return;
  }
  if (m.view.folder !== folder) {
    folder = m.view.folder;
    save();
  }
  show(m.view);
});
