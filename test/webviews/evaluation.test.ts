/**
 * The evaluation panel end to end, on real evaluations: tiny runs trained by the real trainer
 * process (iris, the house-price regression example, and the MNIST CNN on a few hundred digits),
 * evaluated by it (`runEvaluation`, as `modelyaml evaluate` does, and the automatic evaluation
 * at the end of a run), shown by the real panel host (`registerPanels` on a stand-in vscode API)
 * in the built webview bundle in headless Chromium. The matrix, a cell's samples, the table's
 * sorting, the areas, the regression points, the themes, the keyboard and the exports are checked
 * against the evaluation files.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSamples, samplesFileOf, type EvaluationJson } from '../../src/core/evaluate';
import type { ClassificationEvaluation, RegressionEvaluation } from '../../src/core/evaluate/schema';
import { registerPanels, type Panels } from '../../src/extension/panels';
import { runEvaluation } from '../../src/node/trainerClient';
import { irisSpec, ROOT, tempDir, train, trainerBundle, xorSpec } from '../trainer/helpers';
import { fakeVscode, Uri, type FakeVscode } from './fakeVscode';
import { connectPanel, launchChromium, settled, startServer, type PanelPage, type StaticServer } from './harness';
import type { ThemeName } from './themes';

let browser: Browser;
let server: StaticServer;
let ws: string;
let runsRoot: string;
let vs: FakeVscode;
let panels: Panels;
let page: PanelPage;
const subscriptions: { dispose(): unknown }[] = [];
const runs: Record<'iris' | 'house' | 'mnist' | 'xor' | 'lstm', { runDir: string; file: string }> = {} as never;


const read = <T extends EvaluationJson>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const fmt4 = (v: number | null) => (v === null ? '—' : v.toFixed(4));

/** Trains a spec in the workspace for a few batches; returns its run folder. */
async function trainSpec(name: string, text: string, o: { epochs?: number; maxBatchesPerEpoch?: number } = {}): Promise<string> {
  const spec = join(ws, `${name}.model.yaml`);
  writeFileSync(spec, text);
  const t = await train(spec, { out: runsRoot, workspace: ws, ...o });
  expect(t.result.status, t.result.error?.message ?? t.result.stderr).toBe('completed');
  return t.result.runDir!;
}

async function evaluate(runDir: string, split?: 'validation'): Promise<string> {
  const r = await runEvaluation(runDir, { trainerPath: await trainerBundle(), ...(split ? { split } : {}) });
  expect(r.error?.message).toBeUndefined();
  return r.evaluation!.file;
}

beforeAll(async () => {
  browser = await launchChromium();
  server = await startServer();
  ws = tempDir('modelyaml-evaluation-');
  runsRoot = join(ws, '.modelyaml', 'runs');
  mkdirSync(join(ws, 'data'), { recursive: true });
  copyFileSync(join(ROOT, 'examples/data/houses.csv'), join(ws, 'data/houses.csv'));
  copyFileSync(join(ROOT, 'examples/data/reviews.jsonl'), join(ws, 'data/reviews.jsonl'));

  // Iris: trained, then evaluated as `modelyaml evaluate` does (the best checkpoint, if any).
  const iris = await trainSpec('iris', irisSpec({ name: 'iris-panel', seed: 5, test: 0.2, epochs: 3 }));
  runs.iris = { runDir: iris, file: await evaluate(iris) };
  // The house-price example (no test split): its validation split, evaluated on request.
  const houseSpec = readFileSync(join(ROOT, 'examples/house-prices.model.yaml'), 'utf8');
  const house = await trainSpec('house-prices', houseSpec, { epochs: 3 });
  runs.house = { runDir: house, file: await evaluate(house, 'validation') };
  // The MNIST CNN on 400 digits, one epoch of a few batches: its test split is evaluated when the run completes.
  const mnistSpec = readFileSync(join(ROOT, 'examples/mnist-cnn.model.yaml'), 'utf8').replace('{ dataset: mnist }', '{ dataset: { name: mnist, samples: 400 } }').replace(/\n {2}early_stopping:.*\n/, '\n');
  const mnist = await trainSpec('mnist-cnn', mnistSpec, { epochs: 1, maxBatchesPerEpoch: 3 });
  runs.mnist = { runDir: mnist, file: join(mnist, 'evaluation.json') };
  const xor = await trainSpec('xor', xorSpec({ name: 'xor-panel', samples: 300, batchSize: 32, test: 0.2 }));
  runs.xor = { runDir: xor, file: join(xor, 'evaluation.json') };
  // The LSTM sentiment example with a test split, two batches: its samples are text.
  const lstmSpec = readFileSync(join(ROOT, 'examples/lstm-sentiment.model.yaml'), 'utf8').replace('  validation: { split: 0.2 }\n', '  validation: { split: 0.2 }\n  test: { split: 0.1 }\n');
  const lstm = await trainSpec('lstm-sentiment', lstmSpec, { epochs: 1, maxBatchesPerEpoch: 2 });
  runs.lstm = { runDir: lstm, file: join(lstm, 'evaluation.json') };

  vs = fakeVscode({ origin: server.origin, workspace: ws });
  panels = registerPanels({ subscriptions, extensionUri: Uri.file(ROOT) } as never, { vscode: vs.api, runsRoots: () => [runsRoot], output: { appendLine: (l: string) => vs.logs.push(l) } });
  await vs.api.commands.executeCommand('modelyaml.showEvaluation', { runDir: runs.iris.runDir });
  const panel = vs.panels.find((p) => p.viewType === 'modelyaml.evaluation')!;
  page = await connectPanel(browser, server, 'evaluation', panel, { viewport: { width: 1200, height: 1000 } });
}, 600_000);

afterAll(async () => {
  for (const d of subscriptions.splice(0)) d.dispose();
  await page?.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

/** The next message the webview posts that matches (not one it posted before). */
function nextMessage(match: (m: Record<string, unknown>) => boolean): Promise<unknown> {
  const from = page.received.length;
  return page.waitForMessage((m) => page.received.indexOf(m) >= from && match(m));
}

/** Waits until the page shows a task's evaluation (of this file, when named). */
const showing = (task: string, file?: string) =>
  page.page.waitForFunction(([t, f]) => document.body.dataset.ready === t && (!f || (document.getElementById('run') as HTMLSelectElement).value === f), [task, file ?? ''] as const);

/** The matrix as the page shows it: [true][predicted] → the count each cell carries, and its text. */
const matrixCells = () =>
  page.page.$$eval('td[data-actual]', (tds) => tds.map((td) => ({ r: Number((td as HTMLElement).dataset.actual), c: Number((td as HTMLElement).dataset.predicted), count: Number((td as HTMLElement).dataset.count), text: td.textContent })));

/** The samples listed for the open cell, once `n` are there. */
async function listed(n: number): Promise<number[]> {
  await page.page.waitForFunction((k) => document.querySelectorAll('#samples li.sample').length === k && !!document.querySelector('#samples h3'), n);
  return page.page.$$eval('#samples li.sample', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.index)));
}

describe('the evaluation panel: classification (iris)', () => {
  let e: ClassificationEvaluation;
  beforeAll(async () => {
    e = read<ClassificationEvaluation>(runs.iris.file);
    await showing('multiclass');
  });

  it('writes per-sample results beside the evaluation, in the documented format', () => {
    const { header, samples } = parseSamples(readFileSync(samplesFileOf(runs.iris.file), 'utf8'));
    expect(header).toMatchObject({ schemaVersion: 1, split: 'test', n: e.n, display: 'values', columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] });
    expect(samples.map((s) => [s.actual, s.predicted])).toEqual(e.samples!.actual.map((a, i) => [a, e.samples!.predicted[i]]));
    expect(samples.every((s) => s.values?.length === 4 && s.origin?.startsWith('iris sample'))).toBe(true);
  });

  it('shows the confusion matrix of the JSON, cell by cell', async () => {
    const cells = await matrixCells();
    expect(cells).toHaveLength(9);
    for (const c of cells) {
      expect(c.count).toBe(e.confusionMatrix[c.r][c.c]);
      expect(c.text).toBe(String(e.confusionMatrix[c.r][c.c]));
    }
    expect(await page.page.textContent('dd[data-metric="accuracy"]')).toBe(fmt4(e.metrics.accuracy));
  });

  it('clicking a cell lists exactly its samples, with their feature values', async () => {
    // An error cell if the model made one, else the largest cell.
    const flat = e.confusionMatrix.flatMap((row, r) => row.map((n, c) => ({ r, c, n })));
    const cell = flat.find((x) => x.r !== x.c && x.n > 0) ?? flat.sort((a, b) => b.n - a.n)[0];
    await page.page.click(`td[data-actual="${cell.r}"][data-predicted="${cell.c}"]`);
    const shown = await listed(cell.n);
    const expected = e.samples!.actual.flatMap((a, i) => (a === cell.r && e.samples!.predicted[i] === cell.c ? [i] : []));
    expect(shown.sort((a, b) => a - b)).toEqual(expected);
    expect(await page.page.textContent('#samples h3')).toContain(`True ${e.classNames[cell.r]}, predicted ${e.classNames[cell.c]}: ${cell.n} sample`);
    expect(await page.page.$$eval('#samples li.sample:first-child dl.sample-values dt', (d) => d.map((x) => x.textContent))).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  });

  it('row-normalises the matrix on request', async () => {
    await page.page.check('#normalize');
    const cells = await matrixCells();
    for (const c of cells) {
      const sum = e.confusionMatrix[c.r].reduce((a, b) => a + b, 0);
      expect(c.text).toBe((sum ? e.confusionMatrix[c.r][c.c] / sum : 0).toFixed(2));
    }
    expect(await page.savedState()).toMatchObject({ normalize: true });
    await page.page.uncheck('#normalize');
  });

  it('sorts the per-class table by a column, and back', async () => {
    const order = () => page.page.$$eval('table.classes tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.class));
    expect(await order()).toEqual(e.perClass.map((r) => r.name).sort());
    const byF1 = [...e.perClass].map((r, i) => ({ r, i })).sort((a, b) => b.r.f1 - a.r.f1 || a.i - b.i).map((x) => x.r.name);
    await page.page.click('button.sort[data-key="f1"]');
    expect(await order()).toEqual(byF1);
    expect(await page.page.getAttribute('th:has(button[data-key="f1"])', 'aria-sort')).toBe('descending');
    await page.page.click('button.sort[data-key="f1"]');
    const ascending = [...e.perClass].map((r, i) => ({ r, i })).sort((a, b) => a.r.f1 - b.r.f1 || a.i - b.i).map((x) => x.r.name);
    expect(await order()).toEqual(ascending);
    expect(await page.page.getAttribute('th:has(button[data-key="f1"])', 'aria-sort')).toBe('ascending');
    const supports = await page.page.$$eval('table.classes tbody td[data-key="support"]', (tds) => tds.map((t) => Number(t.textContent)));
    expect(supports.reduce((a, b) => a + b, 0)).toBe(e.n);
  });

  it('labels each class’s ROC curve with the AUC of the JSON, and draws its points', async () => {
    const legend = await page.page.$$eval('.plot[data-plot="ROC"] .plot-legend li', (lis) => lis.map((li) => li.textContent));
    expect(legend).toEqual(e.classNames.map((n, i) => `${n} (AUC ${fmt4(e.perClass[i].rocAuc)})`));
    expect(await page.page.textContent('.plot[data-plot="ROC"] .plot-summary')).toBe(`ROC AUC: macro ${fmt4(e.metrics.rocAuc.macro)}, weighted ${fmt4(e.metrics.rocAuc.weighted)}`);
    const plots = await page.page.evaluate(() => (window as unknown as { modelyamlEvaluation: { plots(): { id: string; series: { label: string; points: number }[] }[] } }).modelyamlEvaluation.plots());
    const roc = plots.find((p) => p.id === 'ROC')!;
    e.curves.roc.forEach((c, i) => expect(roc.series[i + 1].points).toBe(c.fpr.filter((v) => v !== null).length));
    expect(plots.map((p) => p.id)).toEqual(['ROC', 'Precision–recall', 'Calibration']);
    expect(await page.page.textContent('.plot[data-plot="Calibration"] .plot-summary')).toContain(`Expected calibration error ${fmt4(e.calibration.expectedCalibrationError)}`);
  });

  it('works from the keyboard: Tab reaches the matrix, arrows move, Enter lists the cell', async () => {
    await page.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let onCell = false;
    for (let i = 0; i < 30 && !onCell; i++) {
      await page.page.keyboard.press('Tab');
      onCell = await page.page.evaluate(() => !!document.activeElement?.matches('td[data-actual]'));
    }
    expect(onCell).toBe(true);
    await page.page.keyboard.press('Home');
    await page.page.keyboard.press('ArrowUp');
    await page.page.keyboard.press('ArrowUp');
    await page.page.keyboard.press('ArrowDown');
    await page.page.keyboard.press('ArrowRight');
    expect(await page.page.evaluate(() => [(document.activeElement as HTMLElement).dataset.actual, (document.activeElement as HTMLElement).dataset.predicted])).toEqual([expect.any(String), '1']);
    const r = Number(await page.page.evaluate(() => (document.activeElement as HTMLElement).dataset.actual));
    const asked = nextMessage((m) => m.type === 'cellSamples' && m.actual === r && m.predicted === 1);
    await page.page.keyboard.press('Enter');
    await asked;
    await listed(e.confusionMatrix[r][1]);
    // A visible focus ring on the cell.
    const outline = await page.page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    // Space too.
    await page.page.keyboard.press('ArrowRight');
    const spaced = nextMessage((m) => m.type === 'cellSamples' && m.predicted === 2);
    await page.page.keyboard.press(' ');
    await spaced;
  });

  it('exports PNG, SVG and CSV through the host', async () => {
    const out = tempDir('modelyaml-evaluation-export-');
    for (const f of ['png', 'svg', 'csv'] as const) {
      vs.saveTo = join(out, `e.${f}`);
      const sent = nextMessage((m) => m.type === 'export' && m.format === f);
      await page.page.click(`#export-${f}`);
      await sent;
      // The host's answer reaches the page, which announces it.
      await page.page.waitForFunction((path) => document.getElementById('modelyaml-live')?.textContent === `Saved ${path}`, vs.saveTo);
      expect(existsSync(vs.saveTo)).toBe(true);
    }
    const png = readFileSync(join(out, 'e.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = readFileSync(join(out, 'e.svg'), 'utf8');
    const parsed = await page.page.evaluate((text) => {
      const d = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { error: d.querySelector('parsererror')?.textContent ?? null, cells: d.querySelectorAll('g.confusion-matrix rect').length, charts: [...d.querySelectorAll('g.chart')].map((g) => g.getAttribute('data-metric')) };
    }, svg);
    expect(parsed).toEqual({ error: null, cells: 9, charts: ['ROC', 'Precision–recall', 'Calibration'] });
    const csv = readFileSync(join(out, 'e.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(['class', 'precision', 'recall', 'f1', 'support', 'roc_auc', 'average_precision', ...e.classNames.map((n) => `predicted:${n}`)].join(','));
    csv.slice(1).forEach((line, i) => expect(line.split(',').slice(7).map(Number)).toEqual(e.confusionMatrix[i]));
  });
});

async function screenshots(prefix: string): Promise<void> {
  const backgrounds = new Set<string>();
  for (const theme of ['dark', 'light', 'high-contrast'] as ThemeName[]) {
    await page.setTheme(theme);
    await settled(page.page);
    await page.page.waitForFunction(() => document.querySelectorAll('.plot canvas').length > 0);
    backgrounds.add(await page.page.evaluate(() => getComputedStyle(document.body).backgroundColor + getComputedStyle(document.querySelector('td[data-actual], .plot h3')!).color));
    await page.screenshot(`evaluation-${prefix}-${theme}`);
  }
  expect(backgrounds.size).toBe(3);
  await page.setTheme('dark');
}

describe('the evaluation panel: themes, other runs, regression, images', () => {
  it('renders in the dark, light and high-contrast themes with no CSP violation or stray request', async () => {
    await screenshots('classification');
    expect(page.problems()).toEqual([]);
    expect(page.strayRequests()).toEqual([]);
  });

  it('the command’s run picker switches the panel to the house-price regression: predicted vs actual draws every sample', async () => {
    const e = read<RegressionEvaluation>(runs.house.file);
    vs.pick = (items) => items.find((i) => (i as { detail?: string }).detail === runs.house.runDir);
    await vs.api.commands.executeCommand('modelyaml.showEvaluation');
    await showing('regression', runs.house.file);
    const plots = await page.page.evaluate(() => (window as unknown as { modelyamlEvaluation: { plots(): { id: string; series: { label: string; points: number }[] }[] } }).modelyamlEvaluation.plots());
    expect(plots.map((p) => p.id)).toEqual(['Predicted vs actual', 'Residuals']);
    expect(e.n).toBe(e.points[0].actual.length);
    expect(plots[0].series[1]).toEqual({ label: 'samples', points: e.n });
    expect(plots[1].series[1]).toEqual({ label: 'samples', points: e.n });
    expect(await page.page.textContent('dd[data-metric="R²"]')).toBe(fmt4(e.metrics.r2));
    expect(await page.page.textContent('.plot[data-plot="Predicted vs actual"] .plot-summary')).toBe(`MAE ${fmt4(e.perOutput[0].mae)} · RMSE ${fmt4(e.perOutput[0].rmse)} · R² ${fmt4(e.perOutput[0].r2)} (${e.n} of ${e.n} samples)`);
    expect(await page.page.isHidden('#matrix-section')).toBe(true);
    await screenshots('regression');
    expect(page.problems()).toEqual([]);
  });

  it('the MNIST CNN’s cells list their digits as thumbnails', async () => {
    const e = read<ClassificationEvaluation>(runs.mnist.file);
    panels.evaluation.show({ runDir: runs.mnist.runDir });
    await showing('multiclass', runs.mnist.file);
    expect(await matrixCells()).toHaveLength(100);
    const flat = e.confusionMatrix.flatMap((row, r) => row.map((n, c) => ({ r, c, n }))).sort((a, b) => b.n - a.n);
    const cell = flat[0];
    await page.page.click(`td[data-actual="${cell.r}"][data-predicted="${cell.c}"]`);
    await listed(cell.n);
    await page.page.waitForFunction((n) => document.querySelectorAll('#samples canvas.thumb[data-drawn="true"]').length === n, cell.n);
    const size = await page.page.$eval('#samples canvas.thumb', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect(size).toEqual([56, 56]);
    // The digit is drawn: its pixels are not all one grey.
    const distinct = await page.page.$eval('#samples canvas.thumb', (c) => new Set((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 56, 56).data).size);
    expect(distinct).toBeGreaterThan(2);
    await page.screenshot('evaluation-mnist-samples-dark');
    expect(page.problems()).toEqual([]);
  });
});

describe('the evaluation panel: binary (xor)', () => {
  it('shows the positive class’s curves, the threshold sweep and the best-F1 threshold of the JSON', async () => {
    const e = read<ClassificationEvaluation>(runs.xor.file);
    expect(e.task).toBe('binary');
    panels.evaluation.show({ runDir: runs.xor.runDir });
    await showing('binary', runs.xor.file);
    expect(await matrixCells()).toHaveLength(4);
    expect(await page.page.$$eval('.plot[data-plot="ROC"] .plot-legend li', (lis) => lis.map((li) => li.textContent))).toEqual([`${e.classNames[1]} (AUC ${fmt4(e.perClass[1].rocAuc)})`]);
    const best = e.thresholds!.bestF1;
    expect(await page.page.textContent('.plot[data-plot="Thresholds"] .plot-summary')).toBe(`Best F1 ${fmt4(best.f1)} at threshold ${fmt4(best.threshold)} (precision ${fmt4(best.precision)}, recall ${fmt4(best.recall)})`);
    const bestRow = await page.page.$$eval('table.thresholds tr.best', (trs) => trs.map((tr) => [(tr as HTMLElement).dataset.threshold, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    expect(bestRow).toEqual([[String(best.threshold), fmt4(best.precision), fmt4(best.recall), fmt4(best.f1), fmt4(best.falsePositiveRate), fmt4(best.accuracy), String(best.tp), String(best.fp), String(best.fn), String(best.tn)]]);
    await page.screenshot('evaluation-binary-dark');
    expect(page.problems()).toEqual([]);
  });
});

describe('the evaluation panel: text (the LSTM sentiment example)', () => {
  it('lists a cell’s reviews as the text the model saw', async () => {
    const e = read<ClassificationEvaluation>(runs.lstm.file);
    const { header, samples } = parseSamples(readFileSync(samplesFileOf(runs.lstm.file), 'utf8'));
    expect(header).toMatchObject({ display: 'text', n: e.n });
    panels.evaluation.show({ runDir: runs.lstm.runDir });
    await showing('binary', runs.lstm.file);
    const cell = e.confusionMatrix.flatMap((row, r) => row.map((n, c) => ({ r, c, n }))).sort((a, b) => b.n - a.n)[0];
    await page.page.click(`td[data-actual="${cell.r}"][data-predicted="${cell.c}"]`);
    const shown = await listed(cell.n);
    const texts = await page.page.$$eval('#samples blockquote.sample-text', (b) => b.map((x) => x.textContent ?? ''));
    expect(texts).toHaveLength(cell.n);
    // Each is its review, lower-cased and split into words as tokenize does (words it never learned as ⟨?⟩).
    const lines = readFileSync(join(ws, 'data/reviews.jsonl'), 'utf8').split('\n');
    shown.forEach((index, k) => {
      const origin = samples[index].origin!;
      const raw = (JSON.parse(lines[Number(origin.split(':').pop()) - 1]) as { text: string }).text;
      const words = raw.toLowerCase().replace(/[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~\t\n]/g, ' ').split(/\s+/).filter(Boolean).slice(-40);
      const got = texts[k].split(' ');
      expect(got).toHaveLength(words.length);
      got.forEach((w, i) => expect([words[i], '⟨?⟩']).toContain(w));
    });
    expect(page.problems()).toEqual([]);
  });
});

describe('opening the evaluation panel from the curves panel', () => {
  it('an evaluated run’s banner offers “Evaluation”, which shows that run’s evaluation', async () => {
    await showing('binary');
    panels.curves.show({ runDir: runs.iris.runDir });
    const curvesPanel = vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    const curves = await connectPanel(browser, server, 'curves', curvesPanel);
    try {
      await curves.page.waitForSelector('#show-evaluation:not([hidden])');
      expect(await curves.page.getAttribute('#show-evaluation', 'aria-label')).toMatch(/^Show the evaluation of iris-panel · /);
      const asked = curves.waitForMessage((m) => m.type === 'showEvaluation');
      await curves.page.click('#show-evaluation');
      expect(await asked).toEqual({ type: 'showEvaluation', runId: runs.iris.runDir });
      await showing('multiclass', runs.iris.file);
      expect(curves.problems()).toEqual([]);
    } finally {
      await curves.close();
    }
  });
});

describe('switching between a spec’s evaluations, and a restored panel', () => {
  it('the run drop-down lists every evaluation of the spec and switches to the chosen one', async () => {
    const validation = await evaluate(runs.iris.runDir, 'validation');
    panels.evaluation.show({ file: runs.iris.file });
    await showing('multiclass', runs.iris.file);
    const options = await page.page.$$eval('#run option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    expect(options).toEqual([
      [runs.iris.file, expect.stringMatching(/^iris-panel · .* · test$/)],
      [validation, expect.stringMatching(/^iris-panel · .* · validation$/)],
    ]);
    await page.page.selectOption('#run', validation);
    await showing('multiclass', validation);
    expect(await page.page.textContent('dd[data-metric="split"]')).toBe('validation');
    expect(await page.page.textContent('dd[data-metric="samples"]')).toBe(String(read<ClassificationEvaluation>(validation).n));
    expect(await page.savedState()).toMatchObject({ runId: validation });
  });

  it('the serializer restores a panel on the evaluation it showed, with its view settings; on the newest one when that file is gone', async () => {
    const restore = vs.serializers.get('modelyaml.evaluation')!;
    const state = { v: 1, runId: runs.mnist.file, normalize: true, sort: { key: 'f1', descending: true } };
    const open = async (s: unknown, check: (p: PanelPage) => Promise<void>) => {
      const panel = vs.newPanel('modelyaml.evaluation');
      await restore.deserializeWebviewPanel(panel, s);
      const restored = await connectPanel(browser, server, 'evaluation', panel as never, { state: s });
      try {
        await check(restored);
        expect(restored.problems()).toEqual([]);
      } finally {
        await restored.close();
      }
    };
    await open(state, async (p) => {
      await p.page.waitForFunction((f) => document.body.dataset.ready === 'multiclass' && (document.getElementById('run') as HTMLSelectElement).value === f, runs.mnist.file);
      expect(await p.page.isChecked('#normalize')).toBe(true);
      expect(await p.page.getAttribute('th:has(button[data-key="f1"])', 'aria-sort')).toBe('descending');
    });
    // The newest evaluated run is the LSTM's (trained last).
    await open({ ...state, runId: join(ws, 'elsewhere', 'evaluation.json') }, async (p) => {
      await p.page.waitForFunction((f) => document.body.dataset.ready === 'binary' && (document.getElementById('run') as HTMLSelectElement).value === f, runs.lstm.file);
    });
  });
});

describe('the evaluation panel host', () => {
  it('answers a cell request from the samples file, says why when there is none or it is damaged, and ignores unknown runs', () => {
    const copy = join(tempDir('modelyaml-evaluation-host-'), 'runs');
    const panel = panels.evaluation;
    panel.show({ file: runs.iris.file });
    const e = read<ClassificationEvaluation>(runs.iris.file);
    const m = panel.cellMessage(0, 0);
    expect(m).toMatchObject({ type: 'cellSamples', actual: 0, predicted: 0, total: e.confusionMatrix[0][0] });
    expect(m.samples.every((s, i) => s.actual === 0 && s.predicted === 0 && (i === 0 || m.samples[i - 1].confidence >= s.confidence))).toBe(true);
    const samplesFile = samplesFileOf(runs.iris.file);
    const text = readFileSync(samplesFile, 'utf8');
    try {
      writeFileSync(samplesFile, text.replace(/"predicted":\d+/, '"predicted":"x"'));
      expect(panel.cellMessage(0, 0).message).toMatch(/evaluation-samples\.jsonl: line 2: "predicted" must be a whole number/);
      rmSync(samplesFile);
      expect(panel.cellMessage(0, 0)).toMatchObject({ total: 0, samples: [], message: expect.stringMatching(/no per-sample results/) });
    } finally {
      writeFileSync(samplesFile, text);
    }
    expect(panel.resolve({ runDir: copy }).message).toMatch(/has no evaluation yet/);
    expect(panel.resolve({ specPath: join(ws, 'house-prices.model.yaml') }).file).toBe(runs.house.file);
    expect(readdirSync(runs.house.runDir)).not.toContain('evaluation-validation-samples.jsonl');
  });
});
