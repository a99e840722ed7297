/**
 * The comparison panel: two versions of a spec side by side, layer against layer as the core's
 * diff aligned them. Added rows are green, removed red, changed ones list each setting old → new;
 * a glyph (+ − ~) and the row's label say the same for those who do not see the colour. Below,
 * the model, data and training settings that differ. Rows are focusable; ↑/↓ move between them.
 */
import '../shared/base.css';
import './styles.css';
import { diffSourcesOf, formatValue, validateDiffToWebview, type DiffFromWebview, type DiffSources, type DiffToWebview, type LayerDiff, type SettingChange, type SpecDiff } from '../../src/core/protocol/diffWebview';
import { connectToHost } from '../shared/host';
import { announce, el } from '../shared/dom';

interface DiffViewState {
  v: 1;
  showUnchanged: boolean;
  /** What the two sides were read from: the host's serializer reads them again after a reload. */
  sources?: DiffSources;
}

const conn = connectToHost<DiffToWebview, DiffFromWebview, DiffViewState>(validateDiffToWebview);
const kept = conn.initialState() as Partial<DiffViewState> | undefined;
let state: DiffViewState = { v: 1, showUnchanged: typeof kept?.showUnchanged === 'boolean' ? kept.showUnchanged : true, sources: diffSourcesOf(kept) };
let current: SpecDiff | undefined;

const app = document.getElementById('app')!;
const title = el('h1', { class: 'diff-title' }, 'Model comparison');
const summary = el('span', { class: 'summary', id: 'summary' });
const unchangedToggle = el('input', { type: 'checkbox', id: 'show-unchanged' }) as HTMLInputElement;
const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Comparison' }, title, summary, el('label', { class: 'group' }, unchangedToggle, 'Show unchanged layers'));
const banners = el('div', { id: 'banners' });
const empty = el('div', { class: 'empty', id: 'empty' }, 'Waiting for the comparison…');
const body = el('div', { class: 'diff-body', id: 'diff-body', hidden: '' });
app.append(toolbar, banners, empty, body);

const count = (n: number | null | undefined) => (n === null || n === undefined ? '?' : n.toLocaleString('en-US'));
const signed = (n: number | null) => (n === null ? '?' : n === 0 ? '0' : `${n > 0 ? '+' : '−'}${Math.abs(n).toLocaleString('en-US')}`);
const GLYPH: Record<LayerDiff['status'], string> = { added: '+', removed: '−', changed: '~', affected: '·', unchanged: '' };

function sideCells(l: LayerDiff, which: 'before' | 'after'): HTMLElement[] {
  const x = l[which];
  if (!x) return [el('td', { class: 'layer none', colspan: '3' }, '')];
  const shapeMoved = l.shapeChanged ? ' moved' : '';
  const countMoved = l.status !== 'added' && l.status !== 'removed' && l.paramDelta !== 0 ? ' moved' : '';
  return [
    el('td', { class: 'layer' }, el('code', {}, x.id), el('span', { class: 'type' }, ` ${x.type}`)),
    el('td', { class: `shape${shapeMoved}` }, x.outputShapeText),
    el('td', { class: `num${countMoved}` }, count(x.paramCount)),
  ];
}

function changeList(l: LayerDiff): HTMLElement | string {
  if (!l.changes.length) return l.status === 'affected' ? el('span', { class: 'muted' }, 'written the same; its input changed') : '';
  return el('ul', { class: 'changes' }, ...l.changes.map((c) => el('li', {}, el('code', {}, c.key), ' ', el('del', {}, formatValue(c.before)), ' → ', el('ins', {}, formatValue(c.after)))));
}

function rowLabel(l: LayerDiff): string {
  const x = (l.after ?? l.before)!;
  const what = `${x.type} ${x.id}`;
  if (l.status === 'added') return `added ${what}, ${count(x.paramCount)} params`;
  if (l.status === 'removed') return `removed ${what}, ${count(x.paramCount)} params`;
  if (l.status === 'unchanged') return `unchanged ${what}`;
  const changes = l.changes.map((c) => `${c.key} ${formatValue(c.before)} to ${formatValue(c.after)}`).join(', ');
  return `${l.status === 'changed' ? 'changed' : 'moved'} ${what}${changes ? `: ${changes}` : ''}, params ${signed(l.paramDelta)}`;
}

function layerTable(d: SpecDiff): HTMLElement {
  const head = el('thead', {},
    el('tr', {}, el('th', { scope: 'col', class: 'glyph' }, el('span', { class: 'sr-only' }, 'Change')), el('th', { scope: 'colgroup', colspan: '3' }, d.before.label), el('th', { scope: 'colgroup', colspan: '3' }, d.after.label), el('th', { scope: 'col' }, 'Δ params'), el('th', { scope: 'col' }, 'What changed')),
    el('tr', { class: 'sub' }, el('th', {}, ''), ...['Layer', 'Output', 'Params', 'Layer', 'Output', 'Params'].map((h) => el('th', { scope: 'col' }, h)), el('th', {}, ''), el('th', {}, '')),
  );
  const rows = d.layers.map((l) =>
    el('tr', { class: `row ${l.status}`, tabindex: '0', 'data-status': l.status, 'aria-label': rowLabel(l), hidden: l.status === 'unchanged' && !state.showUnchanged ? '' : undefined },
      el('td', { class: 'glyph', 'aria-hidden': 'true' }, GLYPH[l.status]),
      ...sideCells(l, 'before'),
      ...sideCells(l, 'after'),
      el('td', { class: `num delta${l.paramDelta ? (l.paramDelta > 0 ? ' up' : ' down') : ''}` }, l.paramDelta === 0 ? '' : signed(l.paramDelta)),
      el('td', { class: 'what' }, changeList(l)),
    ),
  );
  const t = d.totals;
  const foot = el('tfoot', {},
    el('tr', { class: 'total', tabindex: '0', 'aria-label': `Total ${count(t.before)} to ${count(t.after)} params, ${signed(t.delta)}` },
      el('th', { scope: 'row', colspan: '3' }, 'Total'), el('td', { class: 'num' }, count(t.before)),
      el('td', { colspan: '2' }, ''), el('td', { class: 'num' }, count(t.after)),
      el('td', { class: 'num delta' }, signed(t.delta)),
      el('td', {}, d.before.outputShape === d.after.outputShape ? `output ${d.after.outputShape} unchanged` : `output ${d.before.outputShape} → ${d.after.outputShape}`),
    ),
  );
  return el('table', { class: 'layers', id: 'layers', 'aria-label': 'Layers, before and after' }, head, el('tbody', {}, ...rows), foot);
}

function settingsTable(d: SpecDiff): HTMLElement {
  const sections: [string, SettingChange[]][] = [['Model', d.model], ['Data', d.data], ['Training', d.train]];
  const rows = sections.flatMap(([section, changes]) =>
    changes.map((c) =>
      el('tr', { class: `row setting ${c.kind}`, tabindex: '0', 'data-path': c.path, 'aria-label': `${section}: ${c.path} ${c.kind}: ${formatValue(c.before)} to ${formatValue(c.after)}` },
        el('td', {}, section), el('td', {}, el('code', {}, c.path)),
        el('td', {}, c.kind === 'added' ? '' : el('del', {}, formatValue(c.before))),
        el('td', {}, c.kind === 'removed' ? '' : el('ins', {}, formatValue(c.after))),
      ),
    ),
  );
  if (!rows.length) return el('p', { class: 'muted', id: 'settings' }, 'Data and training settings are the same.');
  return el('table', { class: 'settings', id: 'settings', 'aria-label': 'Data and training changes' },
    el('thead', {}, el('tr', {}, ...['Section', 'Setting', 'Before', 'After'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows),
  );
}

function render(): void {
  const d = current;
  if (!d) return;
  title.textContent = d.before.name === d.after.name ? `Compare ${d.after.name}` : `Compare ${d.before.name} → ${d.after.name}`;
  const s = d.summary;
  summary.textContent = s.identical ? 'No differences' : `+${s.added} −${s.removed} ~${s.changed} layers · ${signed(d.totals.delta)} params · ${d.data.length + d.train.length + d.model.length} settings`;
  banners.replaceChildren(
    ...[d.before, d.after].filter((x) => x.errors.length).map((x) =>
      el('div', { class: 'banner error', role: 'note' }, `${x.label} has ${x.errors.length} error${x.errors.length === 1 ? '' : 's'}; what could be read is compared.\n${x.errors.slice(0, 5).join('\n')}`),
    ),
  );
  body.replaceChildren(el('h2', {}, 'Layers'), layerTable(d), el('h2', {}, 'Data and training'), settingsTable(d));
  empty.hidden = true;
  body.hidden = false;
  unchangedToggle.checked = state.showUnchanged;
}

unchangedToggle.addEventListener('change', () => {
  state = { ...state, showUnchanged: unchangedToggle.checked };
  conn.saveState(state);
  for (const r of body.querySelectorAll<HTMLElement>('tr.row.unchanged')) r.hidden = !state.showUnchanged;
  announce(state.showUnchanged ? 'Showing unchanged layers' : 'Hiding unchanged layers');
});

// ↑/↓ (and Home/End) move between the rows of both tables, skipping hidden ones.
body.addEventListener('keydown', (e) => {
  const row = (e.target as HTMLElement).closest('tr[tabindex]');
  if (!row || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
  const rows = [...body.querySelectorAll<HTMLElement>('tr[tabindex]')].filter((r) => !r.hidden);
  const i = rows.indexOf(row as HTMLElement);
  const next = e.key === 'Home' ? 0 : e.key === 'End' ? rows.length - 1 : i + (e.key === 'ArrowDown' ? 1 : -1);
  if (next >= 0 && next < rows.length) {
    rows[next].focus();
    e.preventDefault();
  }
});

conn.start((m) => {
  if (m.type === 'empty') {
    current = undefined;
    empty.textContent = m.message;
    empty.hidden = false;
    body.hidden = true;
    return;
  }
  current = m.diff;
  if (m.sources) {
    state = { ...state, sources: m.sources };
    conn.saveState(state);
  }
  render();
  announce(summary.textContent ?? '');
});
