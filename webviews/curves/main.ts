/**
 * The training-curves panel: one chart per metric (loss first), train and validation, per batch
 * and per epoch, for the current run and any earlier runs of the same spec overlaid on it.
 * Points arrive in batches from the host and are drawn once per animation frame.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './styles.css';
import {
  curvesStateOrDefault,
  validateCurvesToWebview,
  type CurvesFromWebview,
  type CurvesToWebview,
  type CurvesViewState,
  type RunInfo,
} from '../../src/core/protocol/webview';
import { connectToHost } from '../shared/host';
import { announce, el, safeFileName } from '../shared/dom';
import { cssColor, fontFamily, onThemeChange, themeKind, withAlpha } from '../shared/theme';
import { CurveChart, type ChartSeriesSpec, type ChartTheme } from './chart';
import { chartsPng, chartsSvg, type LegendEntry } from './export';
import { decimationIndices, EmaSmoother, logScaleApplies, metricsOf, SERIES_CLASSES, SeriesBuilder, toCsv, toJson, type RunData, type SeriesClass, type SeriesData, type Split } from './model';
import { endSummary, finalMetrics, formatMetrics, runLabels, runStatusText, startTime, type RunLabel } from './labels';
import { ResumeButton } from './resume';
import { EvaluationButton } from './evaluationButton';

type Conn = ReturnType<typeof connectToHost<CurvesToWebview, CurvesFromWebview, CurvesViewState>>;
const conn: Conn = connectToHost<CurvesToWebview, CurvesFromWebview, CurvesViewState>(validateCurvesToWebview);

let state: CurvesViewState = curvesStateOrDefault(conn.initialState());
/** Runs the host sent, by id (the current one and the compared ones). */
const runs = new Map<string, RunData>();
let available: RunInfo[] = [];
let current: string | undefined = state.runId;
let hostMessage: string | undefined;
let initialised = false;
const charts = new Map<string, CurveChart>();
const seriesCache = new Map<string, SeriesBuilder>();
/** Smoothed batch series by series key; each follows its series' (growing) array. */
const smoothers = new Map<string, { ys: readonly (number | null)[]; smoother: EmaSmoother }>();

function smoothedOf(s: SeriesData, weight: number): (number | null)[] {
  let e = smoothers.get(s.key);
  if (!e || e.ys !== s.ys || e.smoother.weight !== weight || e.smoother.length > s.ys.length) {
    e = { ys: s.ys, smoother: new EmaSmoother(weight) };
    smoothers.set(s.key, e);
  }
  return e.smoother.extend(s.ys);
}
let renders = 0;
let lastRenderMs = 0;

// ─── DOM ─────────────────────────────────────────────────────────────────────────────────────

const app = document.getElementById('app')!;

/**
 * Points drawn per series: a min and a max per device pixel of the chart's width (at most 4,000),
 * which draws like every point. Fewer points make each live update cheaper to draw.
 */
function drawnPoints(): number {
  const px = (chartsBox.clientWidth || 1000) * (window.devicePixelRatio || 1);
  return Math.max(500, Math.min(4000, Math.round(2 * px)));
}

const smoothing = el('input', {
  id: 'smoothing',
  type: 'range',
  min: '0',
  max: '0.99',
  step: '0.01',
  'aria-describedby': 'smoothing-value',
  title: 'Smoothing of the per-batch curves: a debiased exponential moving average (0 = off)',
});
const smoothingValue = el('output', { id: 'smoothing-value', for: 'smoothing', class: 'value' });
const xAxisSelect = select('x-axis', 'X axis', [
  ['step', 'Step'],
  ['epoch', 'Epoch'],
  ['time', 'Wall time'],
]);
const yScaleSelect = select('y-scale', 'Y scale of the loss and error charts', [
  ['linear', 'Linear'],
  ['log', 'Log'],
]);
const outliers = el('vscode-checkbox', { id: 'outliers', label: 'Ignore outliers in chart scaling' });
const compare = el('vscode-multi-select', { id: 'compare', label: 'Compare with earlier runs' }) as HTMLElement & { value: string[] };
const resetZoom = button('reset-zoom', 'Reset zoom', 'Reset the zoom of every chart', 'secondary');
const exports = (['csv', 'json', 'png', 'svg'] as const).map((f) =>
  button(`export-${f}`, f.toUpperCase(), `Export ${f === 'csv' || f === 'json' ? 'the data' : 'the charts'} as ${f.toUpperCase()}`, 'secondary'),
);

const toolbar = el(
  'div',
  { class: 'toolbar', role: 'group', 'aria-label': 'Chart settings' },
  el('div', { class: 'group' }, el('label', { for: 'smoothing' }, 'Smoothing'), smoothing, smoothingValue),
  el('div', { class: 'group' }, label('x-axis', 'X axis'), xAxisSelect),
  el('div', { class: 'group', title: 'Log scale applies to the loss and error charts; accuracy and other scores stay linear' }, label('y-scale', 'Loss scale'), yScaleSelect),
  el('div', { class: 'group' }, outliers),
  el('div', { class: 'group compare' }, label('compare', 'Compare'), compare),
  el('div', { class: 'group', role: 'group', 'aria-label': 'Export' }, el('span', { class: 'muted' }, 'Export'), ...exports),
  el('div', { class: 'group' }, resetZoom),
);
const runHeader = el('h1', { class: 'run-title' });
const bannerTitle = el('div', { class: 'banner-title', id: 'run-status-title' });
const bannerMetrics = el('div', { class: 'banner-metrics', id: 'run-metrics', hidden: '' });
const resumeButton = new ResumeButton((m) => conn.post(m));
const evaluationButton = new EvaluationButton((m) => conn.post(m));
// The live region holds the text only: the button beside it is not read out on every change.
const statusBanner = el('div', { class: 'banner', id: 'run-status', hidden: '' }, el('div', { class: 'banner-text', role: 'status' }, bannerTitle, bannerMetrics), resumeButton.root, evaluationButton.root);
const seriesToggles = el('div', { class: 'toggles', role: 'group', 'aria-label': 'Series to show' });
const batchNote = el('p', { class: 'batch-note muted', id: 'batch-note', hidden: '' }, 'Per batch: the loss and every metric alike are means over the batches since the previous point.');
const runLegend = el('ul', { class: 'run-legend', 'aria-label': 'Runs' });
const legend = el('div', { class: 'legend' }, seriesToggles, batchNote, runLegend);
const chartsBox = el('div', { id: 'charts', class: 'charts' });
const empty = el('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for the extension…');
const notice = el('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
app.append(toolbar, runHeader, statusBanner, legend, empty, chartsBox, notice);

function label(forId: string, text: string): HTMLElement {
  return el('vscode-label', { for: forId }, text);
}

function select(id: string, text: string, options: [string, string][]): HTMLElement & { value: string } {
  return el('vscode-single-select', { id, label: text }, ...options.map(([v, t]) => el('vscode-option', { value: v }, t))) as HTMLElement & { value: string };
}

function button(id: string, text: string, aria: string, appearance?: string): HTMLElement {
  const b = el('vscode-button', { id, 'aria-label': aria, title: aria }, text);
  if (appearance) b.setAttribute(appearance, '');
  return b;
}

function syncControls(): void {
  smoothing.value = String(state.smoothing);
  smoothingValue.textContent = state.smoothing.toFixed(2);
  xAxisSelect.value = state.xAxis;
  yScaleSelect.value = state.yScale;
  (outliers as HTMLElement & { checked: boolean }).checked = state.ignoreOutliers;
}

function setState(patch: Partial<CurvesViewState>): void {
  state = { ...state, ...patch };
  conn.saveState(state);
  syncControls();
  schedule();
}

smoothing.addEventListener('input', () => setState({ smoothing: Math.min(0.99, Math.max(0, Number(smoothing.value) || 0)) }));
xAxisSelect.addEventListener('change', () => {
  const v = xAxisSelect.value;
  if (v === 'step' || v === 'epoch' || v === 'time') {
    for (const c of charts.values()) c.resetZoom();
    setState({ xAxis: v });
  }
});
yScaleSelect.addEventListener('change', () => {
  const v = yScaleSelect.value;
  if (v === 'linear' || v === 'log') setState({ yScale: v });
});
outliers.addEventListener('change', () => setState({ ignoreOutliers: (outliers as HTMLElement & { checked: boolean }).checked }));
compare.addEventListener('change', () => {
  const ids = (compare.value ?? []).filter((id) => id !== current && available.some((r) => r.id === id));
  for (const id of runs.keys()) if (id !== current && !ids.includes(id)) runs.delete(id);
  conn.post({ type: 'compare', runIds: ids });
  setState({ compare: ids });
});
resetZoom.addEventListener('click', () => {
  for (const c of charts.values()) c.resetZoom();
});
exports.forEach((b, i) => b.addEventListener('click', () => doExport((['csv', 'json', 'png', 'svg'] as const)[i])));

// ─── Theme ───────────────────────────────────────────────────────────────────────────────────

let theme = readTheme();
let palette = readPalette();

function readTheme(): ChartTheme {
  const fg = cssColor('--vscode-foreground', cssColor('--vscode-editor-foreground', '#cccccc'));
  const hc = themeKind().startsWith('high-contrast');
  return {
    fg,
    muted: cssColor('--vscode-descriptionForeground', fg),
    grid: hc ? withAlpha(fg, 0.45) : withAlpha(fg, 0.14),
    bg: cssColor('--vscode-editor-background', '#1e1e1e'),
    font: fontFamily(),
    widgetBg: cssColor('--vscode-editorHoverWidget-background', '#252526'),
    widgetBorder: cssColor('--vscode-editorHoverWidget-border', '#454545'),
  };
}

function readPalette(): string[] {
  const vars: [string, string][] = [
    ['--vscode-charts-blue', '#3794ff'],
    ['--vscode-charts-orange', '#d18616'],
    ['--vscode-charts-green', '#89d185'],
    ['--vscode-charts-purple', '#b180d7'],
    ['--vscode-charts-red', '#f14c4c'],
    ['--vscode-charts-yellow', '#cca700'],
  ];
  return [...vars.map(([v, f]) => cssColor(v, f)), '#17becf', '#e377c2', '#8c564b', '#7f7f7f', '#bcbd22', '#1f77b4'];
}

onThemeChange(() => {
  theme = readTheme();
  palette = readPalette();
  schedule();
});

// A wider (or narrower) panel draws more (or fewer) points per series.
let drawnFor = 0;
new ResizeObserver(() => {
  const n = drawnPoints();
  if (n === drawnFor) return;
  drawnFor = n;
  schedule();
}).observe(chartsBox);

// ─── Rendering ───────────────────────────────────────────────────────────────────────────────

let frame = 0;
function schedule(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function shownRunIds(): string[] {
  const ids = current ? [current, ...state.compare.filter((id) => id !== current)] : [...state.compare];
  return ids.filter((id) => runs.has(id));
}

function seriesFor(run: RunData): SeriesData[] {
  let b = seriesCache.get(run.info.id);
  if (!b || b.axis !== state.xAxis) {
    b = new SeriesBuilder(run, state.xAxis);
    seriesCache.set(run.info.id, b);
  }
  return b.series();
}

function colorOf(runIndex: number, split: Split): string {
  return palette[(runIndex * 2 + (split === 'val' ? 1 : 0)) % palette.length];
}

const classLabel = Object.fromEntries(SERIES_CLASSES.map((c) => [c.cls, c.label])) as Record<SeriesClass, string>;

function styleOf(cls: SeriesClass): { width: number; points: boolean; dash?: number[] } {
  switch (cls) {
    case 'train-batch':
      return { width: 1.25, points: false };
    case 'val-batch':
      return { width: 1.25, points: false, dash: [5, 3] };
    case 'train-epoch':
      return { width: 2, points: true };
    case 'val-epoch':
      return { width: 2, points: true, dash: [6, 4] };
  }
}

function render(): void {
  const t0 = performance.now();
  const ids = shownRunIds();
  const multi = ids.length > 1;
  const all: { run: RunData; index: number; series: SeriesData[] }[] = ids.map((id, index) => ({ run: runs.get(id)!, index, series: seriesFor(runs.get(id)!) }));
  const classesPresent = new Set<SeriesClass>();
  for (const r of all) for (const s of r.series) classesPresent.add(s.cls);
  const metrics = metricsOf(all.flatMap((r) => r.series));
  const labels = runLabels(all.map((r) => r.run.info));

  renderHeader();
  renderToggles(classesPresent);
  renderRunLegend(all.map((r) => ({ info: r.run.info, index: r.index, label: labels.get(r.run.info.id)!, points: r.run.points })));

  // Charts: one per metric, in order.
  const maxPoints = drawnPoints();
  const used = new Set<string>();
  for (const [m, c] of charts) {
    if (metrics.includes(m)) continue;
    c.destroy();
    charts.delete(m);
  }
  for (const m of metrics) {
    let c = charts.get(m);
    if (!c) {
      c = new CurveChart(chartsBox, m);
      charts.set(m, c);
    }
    chartsBox.append(c.root); // keeps DOM order = metric order
    const series: ChartSeriesSpec[] = [];
    for (const r of all) {
      if (state.hidden.includes(`run:${r.run.info.id}`)) continue;
      for (const s of r.series) {
        if (s.metric !== m || state.hidden.includes(s.cls)) continue;
        const color = colorOf(r.index, s.split);
        const st = styleOf(s.cls);
        // Smooth over every point, then draw a min/max decimation: redraws stay cheap at 50,000 points.
        const smooth = state.smoothing > 0 && s.cls.endsWith('-batch') ? smoothedOf(s, state.smoothing) : undefined;
        const keep = decimationIndices(s.ys, maxPoints);
        const pick = <T,>(a: readonly T[]): T[] => (keep ? keep.map((i) => a[i]) : (a as T[]));
        const runLabel = labels.get(r.run.info.id)!.text;
        series.push({
          id: s.key,
          label: multi ? `${runLabel} · ${classLabel[s.cls]}` : classLabel[s.cls],
          seriesLabel: classLabel[s.cls],
          runLabel,
          order: r.index,
          cls: s.cls,
          color,
          faint: withAlpha(color, 0.28),
          ...st,
          xs: pick(s.xs),
          raw: pick(s.ys),
          // Per-batch curves are smoothed; per-epoch points are already means over an epoch, and a
          // moving average over a handful of them would misplace the last one.
          smooth: smooth && pick(smooth),
        });
      }
    }
    for (const sp of series) used.add(sp.id);
    // Later series are drawn over earlier ones: compared runs first, the current run on top.
    series.sort((a, b) => b.order - a.order || clsOrder(a.cls) - clsOrder(b.cls));
    // Log scale is for losses and errors (they fall over decades); accuracy and other scores in [0, 1] stay linear.
    c.update({ metric: m, xAxis: state.xAxis, yScale: logScaleApplies(m) ? state.yScale : 'linear', ignoreOutliers: state.ignoreOutliers, smoothing: state.smoothing, series, theme, height: 240 });
  }

  for (const key of smoothers.keys()) if (!used.has(key)) smoothers.delete(key);

  // Empty states.
  const totalPoints = all.reduce((n, r) => n + r.run.points.length, 0);
  if (!initialised) showEmpty('Waiting for the extension…');
  else if (!current && !ids.length) showEmpty(hostMessage ?? 'No training runs yet. Train the spec (Run Task → ModelYAML) and its curves appear here.');
  else if (totalPoints === 0) showEmpty(runs.get(current ?? '')?.info.status === 'running' ? 'Waiting for the first batch…' : 'This run recorded no points.');
  else empty.setAttribute('hidden', '');
  renders++;
  lastRenderMs = performance.now() - t0;
}

function clsOrder(c: SeriesClass): number {
  return SERIES_CLASSES.findIndex((x) => x.cls === c);
}

function showEmpty(text: string): void {
  empty.textContent = text;
  empty.removeAttribute('hidden');
}

function renderHeader(): void {
  const run = current ? runs.get(current)?.info ?? available.find((r) => r.id === current) : undefined;
  runHeader.textContent = run ? run.label : 'Training curves';
  resumeButton.update(run, available);
  evaluationButton.update(run);
  if (!run) {
    statusBanner.setAttribute('hidden', '');
    return;
  }
  const { cls, text } = runStatusText(run, runs.get(run.id)?.points ?? []);
  statusBanner.className = `banner ${cls}`.trim();
  statusBanner.dataset.status = run.status;
  // A run that ended says what it reached: the final train and validation metrics, and the test ones.
  const metrics = run.status === 'running' ? undefined : endSummary(run);
  if (bannerTitle.textContent !== text) bannerTitle.textContent = text;
  if (bannerMetrics.textContent !== (metrics ?? '')) bannerMetrics.textContent = metrics ?? '';
  bannerMetrics.toggleAttribute('hidden', !metrics);
  statusBanner.removeAttribute('hidden');
}

let togglesKey = '';
function renderToggles(present: Set<SeriesClass>): void {
  const key = JSON.stringify([[...present].sort(), state.hidden]);
  if (key === togglesKey) return;
  togglesKey = key;
  batchNote.toggleAttribute('hidden', !present.has('train-batch') && !present.has('val-batch'));
  seriesToggles.replaceChildren(
    el('span', { class: 'muted' }, 'Show'),
    ...SERIES_CLASSES.filter((c) => present.has(c.cls)).map((c) => {
      const cb = el('vscode-checkbox', { 'data-series': c.cls, label: c.label }) as HTMLElement & { checked: boolean };
      cb.checked = !state.hidden.includes(c.cls);
      cb.addEventListener('change', () => toggleHidden(c.cls, !cb.checked));
      return cb;
    }),
  );
}

let legendKey = '';
function renderRunLegend(shown: { info: RunInfo; index: number; label: RunLabel; points: RunData['points'] }[]): void {
  const finals = shown.map((s) => finalMetrics(s.info, s.points));
  const key = JSON.stringify([shown.map((s, i) => [s.info.id, s.info.status, s.label, finals[i]]), state.hidden.filter((h) => h.startsWith('run:')), palette]);
  if (key === legendKey) return;
  legendKey = key;
  runLegend.replaceChildren(
    ...shown.map(({ info, index, label }, i) => {
      const cb = el('vscode-checkbox', { 'data-run': info.id, label: label.text, title: label.title }) as HTMLElement & { checked: boolean };
      cb.checked = !state.hidden.includes(`run:${info.id}`);
      cb.addEventListener('change', () => toggleHidden(`run:${info.id}`, !cb.checked));
      const sw = (split: Split, title: string) => {
        const s = el('span', { class: `swatch ${split}`, title, 'aria-hidden': 'true' });
        s.style.borderColor = colorOf(index, split);
        return s;
      };
      const badge = el('vscode-badge', { class: `status ${info.status}` }, info.status);
      const f = finals[i];
      const finalText = f ? `${f.epoch !== undefined ? `epoch ${f.epoch}: ` : 'final: '}${formatMetrics(f.values)}` : '';
      const final = el('span', { class: 'run-final muted', title: finalText }, finalText);
      return el(
        'li',
        { 'data-run': info.id, 'data-status': info.status },
        sw('train', 'train'),
        sw('val', 'validation'),
        cb,
        badge,
        index === 0 && current === info.id && shown.length > 1 ? el('span', { class: 'muted' }, '(current)') : '',
        final,
      );
    }),
  );
}

function toggleHidden(key: string, hide: boolean): void {
  const hidden = state.hidden.filter((h) => h !== key);
  if (hide) hidden.push(key);
  setState({ hidden });
}

function renderCompareOptions(): void {
  const options = available.filter((r) => r.id !== current);
  // Labelled like the legend (by the settings that differ from the other runs), with the time to pick by.
  const labels = runLabels(available);
  compare.replaceChildren(
    ...options.map((r) => {
      const text = labels.get(r.id)!.text;
      const shown = text === r.label || text.endsWith(startTime(r)) ? text : `${text} · ${startTime(r)}`;
      const o = el('vscode-option', { value: r.id, title: labels.get(r.id)!.title }, `${shown}${r.status === 'completed' ? '' : ` (${r.status})`}`);
      if (state.compare.includes(r.id)) o.setAttribute('selected', '');
      return o;
    }),
  );
  compare.toggleAttribute('disabled', options.length === 0);
  queueMicrotask(() => {
    try {
      compare.value = state.compare.filter((id) => options.some((o) => o.id === id));
    } catch {
      /* the element may not be upgraded yet; the selected attributes hold the choice */
    }
  });
}

// ─── Export ──────────────────────────────────────────────────────────────────────────────────

function exportedRuns(): RunData[] {
  return shownRunIds().map((id) => runs.get(id)!);
}

function legendEntries(): LegendEntry[] {
  const ids = shownRunIds();
  const labels = runLabels(ids.map((id) => runs.get(id)!.info));
  const out: LegendEntry[] = [];
  ids.forEach((id, index) => {
    if (state.hidden.includes(`run:${id}`)) return;
    const label = labels.get(id)!.text;
    out.push({ label: `${label} · train`, color: colorOf(index, 'train') });
    out.push({ label: `${label} · validation`, color: colorOf(index, 'val'), dash: [6, 4] });
  });
  return out;
}

function baseName(): string {
  const info = current ? runs.get(current)?.info : undefined;
  const stamp = info?.startedAt ? info.startedAt.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z') : '';
  return safeFileName(`${info?.specName ?? 'training'}-curves${stamp ? `-${stamp}` : ''}`);
}

function doExport(format: 'csv' | 'json' | 'png' | 'svg'): void {
  const data = exportedRuns();
  if (!data.length) {
    announce('Nothing to export yet.');
    return;
  }
  const image = { title: runHeader.textContent ?? 'Training curves', background: theme.bg, foreground: theme.fg, grid: theme.grid, font: theme.font, legend: legendEntries() };
  const ordered = [...charts.values()].sort((a, b) => (a.root.compareDocumentPosition(b.root) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  let payload: string;
  let encoding: 'utf8' | 'base64' = 'utf8';
  switch (format) {
    case 'csv':
      payload = toCsv(data);
      break;
    case 'json':
      payload = toJson(data, state);
      break;
    case 'png':
      payload = chartsPng(ordered, image);
      encoding = 'base64';
      break;
    case 'svg':
      payload = chartsSvg(ordered, image);
      break;
  }
  conn.post({ type: 'export', format, fileName: `${baseName()}.${format}`, encoding, data: payload });
}

// ─── Messages ────────────────────────────────────────────────────────────────────────────────

function upsertRun(info: RunInfo): void {
  const i = available.findIndex((r) => r.id === info.id);
  if (i >= 0) available[i] = info;
  const r = runs.get(info.id);
  if (r) r.info = info;
}

function onMessage(m: CurvesToWebview): void {
  switch (m.type) {
    case 'init': {
      initialised = true;
      resumeButton.hostAnswered();
      available = m.runs;
      hostMessage = m.message;
      current = m.current;
      const keep = new Set([...(m.current ? [m.current] : []), ...m.compare]);
      for (const id of [...runs.keys()]) if (!keep.has(id)) runs.delete(id);
      state = { ...state, runId: m.current, compare: m.compare.filter((id) => id !== m.current) };
      conn.saveState(state);
      renderCompareOptions();
      break;
    }
    case 'runData':
      runs.set(m.run.id, { info: m.run, points: m.points.slice() });
      seriesCache.delete(m.run.id);
      upsertRun(m.run);
      break;
    case 'points': {
      const r = runs.get(m.runId);
      if (r) for (const p of m.points) r.points.push(p);
      break;
    }
    case 'runStatus':
      upsertRun(m.run);
      resumeButton.hostAnswered();
      if (m.run.status !== 'running' && m.run.id === current) announce(`Run ${m.run.status}${m.run.reason ? `: ${m.run.reason}` : ''}`);
      renderCompareOptions();
      break;
    case 'exported':
      if (m.outcome === 'saved') flash(`Saved ${m.format.toUpperCase()}${m.path ? ` to ${m.path}` : ''}`);
      else if (m.outcome === 'failed') flash(`Export failed: ${m.message ?? 'unknown error'}`);
      break;
  }
  schedule();
}

let flashTimer: ReturnType<typeof setTimeout> | undefined;
function flash(text: string): void {
  notice.textContent = text;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (notice.textContent = ''), 6000);
}

// For tests and debugging: what each chart draws (read-only copies).
const inspect = {
  state: () => structuredClone(state),
  renders: () => renders,
  lastRenderMs: () => lastRenderMs,
  pending: () => frame !== 0,
  runs: () => [...runs.values()].map((r) => ({ id: r.info.id, status: r.info.status, points: r.points.length })),
  charts: () =>
    [...charts.values()].map((c) => ({
      metric: c.metric,
      x: c.x.slice(),
      yScale: c.plot ? (c.plot.scales.y.distr === 3 ? 'log' : 'linear') : undefined,
      yRange: c.plot ? [c.plot.scales.y.min, c.plot.scales.y.max] : undefined,
      series: c.drawn.map((d, i) => ({ id: d.id, label: d.label, role: d.role, color: d.color, show: c.plot?.series[i + 1]?.show ?? false, values: d.values.slice() })),
    })),
};
(window as unknown as { modelyamlCurves: typeof inspect }).modelyamlCurves = inspect;

syncControls();
conn.start(onMessage);
schedule();

