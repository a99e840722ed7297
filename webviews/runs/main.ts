/**
 * The runs table panel: one row per run of a spec (or a search), columns for the parameters that
 * differ and for the metrics; sort (a header), filter (text), show or hide columns; pick runs to
 * overlay their curves, open a run's spec copy, resume or delete it. Above the table a
 * parallel-coordinates chart (parameters → a metric): dragging on an axis filters the rows.
 * Every control is a native button, input or checkbox, so the keyboard reaches all of it.
 */
import '../shared/base.css';
import '../shared/controls.css';
import './styles.css';
import { validateRunsToWebview, type LabelledRun, type RunsFromWebview, type RunsGroupInfo, type RunsTable, type RunsToWebview, type RunsViewState } from '../../src/core/protocol/runsWebview';
import { connectToHost } from '../shared/host';
import { announce, el } from '../shared/dom';
import { ParallelCoordinates } from '../shared/parallelCoordinates';
import { columnsOf, filterRuns, sortRuns, type Column } from './table';

const conn = connectToHost<RunsToWebview, RunsFromWebview, RunsViewState>(validateRunsToWebview);
const kept = conn.initialState() as Partial<RunsViewState> | undefined;
let state: RunsViewState = {
  v: 1,
  filter: typeof kept?.filter === 'string' ? kept.filter : '',
  ...(typeof kept?.group === 'string' ? { group: kept.group } : {}),
  hidden: Array.isArray(kept?.hidden) ? kept.hidden.filter((h): h is string => typeof h === 'string') : [],
  ...(kept?.sort && typeof kept.sort.column === 'string' ? { sort: { column: kept.sort.column, descending: !!kept.sort.descending } } : {}),
};
let table: RunsTable | undefined;
let groups: RunsGroupInfo[] = [];
let group = '';
let columns: Column[] = [];
const selected = new Set<string>();
let brushed: Set<string> | null = null;
let metricAxis = '';

const save = () => conn.saveState(state);

const app = document.getElementById('app')!;
const groupSelect = el('select', { id: 'group', 'aria-label': 'Runs of' });
const filter = el('input', { id: 'filter', type: 'search', placeholder: 'Filter runs', 'aria-label': 'Filter runs' });
const columnList = el('div', { class: 'column-list', id: 'column-list' });
const columnsMenu = el('details', { class: 'columns', id: 'columns' }, el('summary', {}, 'Columns'), columnList);
const compareButton = el('button', { id: 'compare', type: 'button', disabled: '' }, 'Compare curves');
const deleteButton = el('button', { id: 'delete', type: 'button', class: 'secondary', disabled: '' }, 'Delete…');
const clearBrushes = el('button', { id: 'clear-brushes', type: 'button', class: 'secondary', disabled: '' }, 'Clear axis filters');
const count = el('span', { id: 'count', class: 'muted', role: 'status' });
app.append(el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Runs' }, groupSelect, filter, columnsMenu, compareButton, deleteButton, clearBrushes, count));

const metricSelect = el('select', { id: 'pc-metric', 'aria-label': 'Metric axis' });
const chart = new ParallelCoordinates({
  onBrush: (ids) => {
    brushed = ids;
    clearBrushes.toggleAttribute('disabled', ids === null);
    renderRows();
  },
});
const chartSection = el('section', { class: 'pc-section', id: 'pc', 'aria-label': 'Parameters against a metric' }, el('div', { class: 'pc-head' }, el('h2', {}, 'Parameters → metric'), el('label', {}, 'Metric ', metricSelect)), chart.element);
const empty = el('div', { class: 'empty', id: 'empty' }, 'Loading runs…');
const tableEl = el('table', { id: 'runs-table', class: 'data-table', 'aria-label': 'Runs', hidden: '' });
app.append(chartSection, empty, el('div', { class: 'table-wrap' }, tableEl));

const visible = () => columns.filter((c) => c.id === 'label' || !state.hidden.includes(c.id));

/** The rows the filter and the brushes let through, sorted. */
function shownRuns(): LabelledRun[] {
  if (!table) return [];
  const passed = filterRuns(table.runs, columns, state.filter).filter((r) => !brushed || brushed.has(r.id));
  return sortRuns(passed, columns.find((c) => c.id === state.sort?.column), !!state.sort?.descending);
}

function header(): HTMLElement {
  const all = el('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select all shown runs' }) as HTMLInputElement;
  all.addEventListener('change', () => {
    for (const r of shownRuns()) {
      if (all.checked) selected.add(r.id);
      else selected.delete(r.id);
    }
    renderRows();
  });
  const ths = visible().map((c) => {
    const sorted = state.sort?.column === c.id;
    const th = el('th', { scope: 'col', class: c.numeric ? 'num' : '', 'aria-sort': sorted ? (state.sort!.descending ? 'descending' : 'ascending') : 'none', 'data-column': c.id });
    const b = el('button', { type: 'button', class: 'sort', title: `${c.detail} — sort` }, c.title, el('span', { class: 'arrow', 'aria-hidden': 'true' }, sorted ? (state.sort!.descending ? ' ▼' : ' ▲') : ''));
    b.addEventListener('click', () => {
      state = { ...state, sort: { column: c.id, descending: sorted ? !state.sort!.descending : c.kind === 'metric' && !c.id.includes('loss') } };
      save();
      renderTable();
      announce(`Sorted by ${c.title}, ${state.sort!.descending ? 'descending' : 'ascending'}`);
    });
    th.append(b);
    return th;
  });
  return el('thead', {}, el('tr', {}, el('th', { scope: 'col', class: 'check' }, all), ...ths, el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions'))));
}

function actionButton(text: string, label: string, message: RunsFromWebview): HTMLElement {
  const b = el('button', { type: 'button', class: 'link', 'aria-label': label }, text);
  b.addEventListener('click', () => conn.post(message));
  return b;
}

function row(r: LabelledRun): HTMLElement {
  const box = el('input', { type: 'checkbox', 'aria-label': `Select ${r.label}` }) as HTMLInputElement;
  box.checked = selected.has(r.id);
  box.addEventListener('change', () => {
    if (box.checked) selected.add(r.id);
    else selected.delete(r.id);
    updateSelection();
  });
  const cells = visible().map((c) => el(c.id === 'label' ? 'th' : 'td', { class: `${c.numeric ? 'num' : ''} ${c.id === 'status' ? `status ${r.status}` : ''}`.trim(), ...(c.id === 'label' ? { scope: 'row', title: r.id } : {}) }, c.text(r)));
  const actions = el('td', { class: 'actions' },
    actionButton('Spec', `Open the spec copy of ${r.label}`, { type: 'openSpec', runId: r.id }),
    ...(r.resumable ? [actionButton('Resume', `Resume ${r.label} from its checkpoint`, { type: 'resume', runId: r.id })] : []),
    actionButton('Delete', `Delete ${r.label}`, { type: 'delete', runIds: [r.id] }),
  );
  const tr = el('tr', { 'data-id': r.id, class: selected.has(r.id) ? 'selected' : '' }, el('td', { class: 'check' }, box), ...cells, actions);
  return tr;
}

function updateSelection(): void {
  const ids = [...selected];
  compareButton.toggleAttribute('disabled', ids.length < 2);
  deleteButton.toggleAttribute('disabled', ids.length < 1);
  compareButton.title = ids.length < 2 ? 'Select two or more runs to overlay their curves' : `Overlay ${ids.length} runs in the curves panel`;
  for (const tr of tableEl.querySelectorAll<HTMLElement>('tbody tr')) tr.classList.toggle('selected', selected.has(tr.dataset.id!));
  chart.highlight(new Set(ids));
}

function renderRows(): void {
  if (!table) return;
  const runs = shownRuns();
  const body = el('tbody', {}, ...runs.map(row));
  const old = tableEl.querySelector('tbody');
  if (old) old.replaceWith(body);
  else tableEl.append(body);
  count.textContent = `${runs.length} of ${table.runs.length} runs`;
  updateSelection();
}

function renderTable(): void {
  tableEl.replaceChildren(header());
  renderRows();
}

function renderColumnsMenu(): void {
  columnList.replaceChildren(
    ...columns.filter((c) => c.id !== 'label').map((c) => {
      const box = el('input', { type: 'checkbox', 'data-column': c.id }) as HTMLInputElement;
      box.checked = !state.hidden.includes(c.id);
      box.addEventListener('change', () => {
        state = { ...state, hidden: box.checked ? state.hidden.filter((h) => h !== c.id) : [...state.hidden, c.id] };
        save();
        renderTable();
      });
      return el('label', { title: c.detail }, box, ` ${c.title}`);
    }),
  );
}

function renderChart(): void {
  if (!table) return;
  const metrics = table.metrics;
  if (!metrics.includes(metricAxis)) metricAxis = metrics.find((m) => m === 'best.val_loss') ?? metrics.find((m) => m.startsWith('best.')) ?? metrics[0] ?? '';
  metricSelect.replaceChildren(...metrics.map((m) => el('option', { value: m, ...(m === metricAxis ? { selected: '' } : {}) }, m)));
  const axes = [
    ...table.params.map((p) => ({ id: `param:${p}`, label: table!.shortNames[p] ?? p, values: table!.runs.map((r) => r.params?.[p]) })),
    ...(metricAxis ? [{ id: metricAxis, label: metricAxis, values: table.runs.map((r) => columns.find((c) => c.id === metricAxis)?.key(r)) }] : []),
  ];
  chartSection.hidden = table.runs.length < 2 || !table.params.length;
  chart.update(table.runs.map((r) => ({ id: r.id, label: r.label })), axes);
  brushed = chart.passing();
}

function show(t: RunsTable): void {
  table = t;
  columns = columnsOf(t);
  for (const id of [...selected]) if (!t.runs.some((r) => r.id === id)) selected.delete(id);
  groupSelect.replaceChildren(...groups.map((g) => el('option', { value: g.key, ...(g.key === group ? { selected: '' } : {}) }, `${g.title} (${g.count})`)));
  filter.value = state.filter;
  empty.hidden = t.runs.length > 0;
  if (!t.runs.length) empty.textContent = 'No runs in this group.';
  tableEl.hidden = !t.runs.length;
  renderColumnsMenu();
  renderChart();
  renderTable();
}

filter.addEventListener('input', () => {
  state = { ...state, filter: filter.value };
  save();
  renderRows();
});
groupSelect.addEventListener('change', () => conn.post({ type: 'showGroup', group: groupSelect.value }));
metricSelect.addEventListener('change', () => {
  metricAxis = metricSelect.value;
  renderChart();
  renderRows();
});
compareButton.addEventListener('click', () => conn.post({ type: 'compareCurves', runIds: [...selected] }));
deleteButton.addEventListener('click', () => conn.post({ type: 'delete', runIds: [...selected] }));
clearBrushes.addEventListener('click', () => chart.clearBrushes());

conn.start((m) => {
  if (m.type === 'empty') {
    table = undefined;
    empty.textContent = m.message;
    empty.hidden = false;
    tableEl.hidden = true;
    chartSection.hidden = true;
    return;
  }
  if (m.group !== group) chart.clearBrushes();
  groups = m.groups;
  group = m.group;
  if (state.group !== group) {
    state = { ...state, group };
    save();
  }
  show(m.table);
});
