/**
 * The evaluation panel's webview: one run's evaluation.json. Classification: a summary, the
 * confusion matrix (counts or row-normalised; a cell opens its samples), the sortable per-class
 * table, ROC, precision–recall and calibration plots, and for binary models the threshold sweep.
 * Regression: the errors per output, predicted-vs-actual and residuals. Exports PNG, SVG and CSV.
 */
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './styles.css';
import {
  defaultEvaluationState,
  evaluationStateOrDefault,
  validateEvaluationToWebview,
  type ClassTableKey,
  type ClassificationEvaluation,
  type EvaluatedRun,
  type EvaluationFromWebview,
  type EvaluationJson,
  type EvaluationToWebview,
  type EvaluationViewState,
  type RegressionEvaluation,
  type SamplesInfo,
} from '../../src/core/protocol/evaluationWebview';
import { announce, el, safeFileName } from '../shared/dom';
import { connectToHost } from '../shared/host';
import { cssColor, fontFamily, onThemeChange, themeKind, withAlpha } from '../shared/theme';
import { evaluationPng, evaluationSvg, type MatrixImage } from './exportImages';
import { ConfusionMatrix, renderSamples, type CellListing } from './matrix';
import { XYChart, type PlotTheme } from './plots';
import { fmt, renderClassTable, renderThresholdTable } from './table';
import { classificationCsv, classificationPlots, regressionCsv, regressionPlots } from './views';

const conn = connectToHost<EvaluationToWebview, EvaluationFromWebview, EvaluationViewState>(validateEvaluationToWebview);
let state: EvaluationViewState = evaluationStateOrDefault(conn.initialState());
let runs: EvaluatedRun[] = [];
let evaluation: EvaluationJson | undefined;
let samplesInfo: SamplesInfo | undefined;
let plots: XYChart[] = [];
let lastCell: CellListing | undefined;

// ─── Layout ──────────────────────────────────────────────────────────────────────────────────

const app = document.getElementById('app')!;
const runSelect = el('select', { id: 'run', 'aria-label': 'Evaluated run' });
const normalize = el('input', { id: 'normalize', type: 'checkbox' });
const exportButtons = (['png', 'svg', 'csv'] as const).map((f) => {
  const b = el('button', { type: 'button', id: `export-${f}`, class: 'secondary', title: `Export ${f === 'csv' ? 'the scores' : 'the matrix and plots'} as ${f.toUpperCase()}` }, f.toUpperCase());
  b.addEventListener('click', () => void doExport(f));
  return b;
});
const toolbar = el(
  'div',
  { class: 'toolbar', role: 'group', 'aria-label': 'Evaluation settings' },
  el('div', { class: 'group' }, el('label', { for: 'run' }, 'Run'), runSelect),
  el('div', { class: 'group normalize' }, normalize, el('label', { for: 'normalize' }, 'Row-normalised matrix')),
  el('div', { class: 'group' }, el('span', { class: 'muted' }, 'Export'), ...exportButtons),
);
const summary = el('section', { id: 'summary', class: 'summary', 'aria-label': 'Summary' });
const warnings = el('div', { id: 'warnings', class: 'banner warning', hidden: '' });
const empty = el('p', { id: 'empty', class: 'empty', hidden: '' });
const matrixSection = el('section', { id: 'matrix-section', class: 'card', 'aria-labelledby': 'matrix-title' }, el('h2', { id: 'matrix-title' }, 'Confusion matrix'));
const matrix = new ConfusionMatrix(matrixSection, (actual, predicted) => {
  samplesBox.replaceChildren(el('p', { class: 'muted' }, 'Loading the samples…'));
  samplesBox.hidden = false;
  conn.post({ type: 'cellSamples', actual, predicted });
});
const samplesBox = el('div', { id: 'samples', class: 'samples-box', hidden: '' });
matrixSection.append(samplesBox);
const tableSection = el('section', { id: 'table-section', class: 'card', 'aria-labelledby': 'table-title' }, el('h2', { id: 'table-title' }, 'Per class'));
const tableBox = el('div', { class: 'table-box' });
tableSection.append(tableBox);
const plotsBox = el('div', { id: 'plots', class: 'plots' });
const thresholdSection = el('section', { id: 'threshold-section', class: 'card', 'aria-labelledby': 'threshold-title' }, el('h2', { id: 'threshold-title' }, 'Thresholds'));
const thresholdBox = el('div', { class: 'table-box' });
thresholdSection.append(thresholdBox);
const content = el('div', { id: 'content', class: 'content' }, summary, warnings, matrixSection, tableSection, plotsBox, thresholdSection);
app.append(toolbar, empty, content);

normalize.addEventListener('change', () => {
  setState({ normalize: normalize.checked });
  renderMatrix();
});
runSelect.addEventListener('change', () => conn.post({ type: 'selectRun', runId: runSelect.value }));

function setState(patch: Partial<EvaluationViewState>): void {
  state = { ...state, ...patch };
  conn.saveState(state);
}

// ─── Theme ───────────────────────────────────────────────────────────────────────────────────

function plotTheme(): PlotTheme {
  const fg = cssColor('--vscode-foreground', cssColor('--vscode-editor-foreground', '#cccccc'));
  return { fg, grid: themeKind().startsWith('high-contrast') ? withAlpha(fg, 0.45) : withAlpha(fg, 0.14), font: fontFamily() };
}

function palette(): string[] {
  const vars: [string, string][] = [['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'], ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-red', '#f14c4c'], ['--vscode-charts-yellow', '#cca700']];
  return [...vars.map(([v, f]) => cssColor(v, f)), '#17becf', '#e377c2', '#8c564b', '#7f7f7f'];
}

onThemeChange(() => render());

// ─── Rendering ───────────────────────────────────────────────────────────────────────────────

const isClassification = (e: EvaluationJson | undefined): e is ClassificationEvaluation => e?.task === 'binary' || e?.task === 'multiclass';

function renderRuns(current?: string): void {
  runSelect.replaceChildren(...runs.map((r) => el('option', { value: r.id }, r.label)));
  if (current) (runSelect as HTMLSelectElement).value = current;
}

function summaryItems(e: EvaluationJson): [string, string][] {
  const head: [string, string][] = [['task', e.task], ['split', e.split], ['samples', String(e.n)], ...(e.checkpoint ? [['checkpoint', e.checkpoint] as [string, string]] : [])];
  if (isClassification(e)) {
    const m = e.metrics;
    return [...head, ['accuracy', fmt(m.accuracy)], ['log loss', fmt(m.logLoss)], ...m.topK.map((t): [string, string] => [`top-${t.k}`, fmt(t.accuracy)]), ['macro F1', fmt(m.macro.f1)], ['ROC AUC (macro)', fmt(m.rocAuc.macro)], ['ECE', fmt(m.expectedCalibrationError)]];
  }
  if (e.task === 'regression') return [...head, ['MAE', fmt(e.metrics.mae)], ['MSE', fmt(e.metrics.mse)], ['RMSE', fmt(e.metrics.rmse)], ['R²', fmt(e.metrics.r2)]];
  return [...head, ['subset accuracy', fmt(e.metrics.subsetAccuracy)], ['Hamming loss', fmt(e.metrics.hammingLoss)]];
}

function renderMatrix(): void {
  if (!isClassification(evaluation)) return;
  matrix.render(evaluation.classNames, evaluation.confusionMatrix, state.normalize, { accent: cssColor('--vscode-charts-blue', '#3794ff'), fg: cssColor('--vscode-foreground', '#cccccc') });
}

function renderTable(): void {
  if (!isClassification(evaluation)) return;
  renderClassTable(tableBox, evaluation, state.sort, (key: ClassTableKey) => {
    setState({ sort: { key, descending: state.sort.key === key ? !state.sort.descending : key !== 'name' } });
    renderTable();
    tableBox.querySelector<HTMLElement>(`button[data-key="${key}"]`)?.focus();
  });
}

function render(): void {
  for (const p of plots) p.destroy();
  plots = [];
  const e = evaluation;
  content.hidden = !e;
  if (!e) return;
  empty.hidden = true;
  summary.replaceChildren(el('dl', {}, ...summaryItems(e).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-metric': k }, v)])));
  warnings.hidden = !e.warnings.length;
  warnings.replaceChildren(...e.warnings.map((w) => el('div', {}, w)));
  const classification = isClassification(e);
  matrixSection.hidden = !classification;
  tableSection.hidden = !classification;
  normalize.parentElement!.hidden = !classification;
  (normalize as HTMLInputElement).checked = state.normalize;
  const guide = withAlpha(cssColor('--vscode-foreground', '#cccccc'), 0.5);
  const specs = classification ? classificationPlots(e, palette(), plotTheme(), guide) : e.task === 'regression' ? regressionPlots(e, palette(), plotTheme(), guide) : [];
  renderMatrix();
  renderTable();
  thresholdSection.hidden = !(classification && e.thresholds);
  if (classification && e.thresholds) renderThresholdTable(thresholdBox, e.thresholds);
  if (lastCell && classification) renderSamples(samplesBox, e.classNames, lastCell, samplesInfo);
  for (const s of specs) {
    const chart = new XYChart(plotsBox, s.title);
    chart.update(s);
    plots.push(chart);
  }
}

function onMessage(m: EvaluationToWebview): void {
  switch (m.type) {
    case 'init': {
      runs = m.runs;
      renderRuns(m.current);
      const changed = m.current !== state.runId;
      if (changed) setState({ runId: m.current });
      if (changed || !m.evaluation) {
        lastCell = undefined;
        samplesBox.hidden = true;
      }
      evaluation = m.evaluation;
      samplesInfo = m.samples;
      empty.hidden = !!m.evaluation;
      empty.textContent = m.message ?? '';
      render();
      document.body.dataset.ready = evaluation ? evaluation.task : 'empty';
      break;
    }
    case 'cellSamples': {
      if (!isClassification(evaluation)) break;
      lastCell = m;
      renderSamples(samplesBox, evaluation.classNames, m, samplesInfo);
      announce(samplesBox.querySelector('h3')?.textContent ?? '');
      break;
    }
    case 'exported':
      announce(m.outcome === 'saved' ? `Saved ${m.path ?? ''}` : m.outcome === 'failed' ? `Export failed: ${m.message ?? ''}` : 'Export cancelled.');
      break;
  }
}

// ─── Export ──────────────────────────────────────────────────────────────────────────────────

function imageOptions() {
  const t = plotTheme();
  return { title: `Evaluation · ${runs.find((r) => r.id === state.runId)?.label ?? ''}`, background: cssColor('--vscode-editor-background', '#1e1e1e'), foreground: t.fg, grid: t.grid, font: t.font, legend: [] };
}

async function doExport(format: 'png' | 'svg' | 'csv'): Promise<void> {
  const e = evaluation;
  if (!e) return announce('Nothing to export yet.');
  const name = safeFileName(`evaluation-${runs.find((r) => r.id === state.runId)?.label ?? e.split}`);
  const m: MatrixImage | undefined = isClassification(e) ? { names: e.classNames, matrix: e.confusionMatrix, normalize: state.normalize, accent: cssColor('--vscode-charts-blue', '#3794ff') } : undefined;
  let data: string;
  if (format === 'csv') data = isClassification(e) ? classificationCsv(e) : e.task === 'regression' ? regressionCsv(e as RegressionEvaluation) : '';
  else if (format === 'svg') data = evaluationSvg(plots, m, imageOptions());
  else data = await evaluationPng(plots, m, imageOptions());
  conn.post({ type: 'export', format, fileName: `${name}.${format}`, encoding: format === 'png' ? 'base64' : 'utf8', data });
}

// For the tests: what the plots draw and the state.
const inspect = { plots: () => plots.map((p) => p.inspect()), state: () => state, defaults: defaultEvaluationState };
(window as unknown as { modelyamlEvaluation: typeof inspect }).modelyamlEvaluation = inspect;

conn.start(onMessage);
