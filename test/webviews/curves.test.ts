/**
 * The training-curves panel end to end: the real host (`CurvesPanel`, registered by
 * `registerPanels`) reading recorded run folders, on a stand-in vscode API, and the built bundle in
 * headless Chromium under the extension's CSP. Smoothing, log scale, axes, outliers, toggles,
 * comparison, exports, run status, a long live run and restoring after a reload.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import { VIEW_TYPES, type CurvesViewState } from '../../src/core/protocol/webview';
import { registerPanels, type Panels } from '../../src/extension/panels';
import { smoothEma } from '../../webviews/curves/model';
import { fakeVscode, memoryLog, Uri, type FakePanel, type FakeVscode } from './fakeVscode';
import { recorded, readEvents, runRecordFor, syntheticEvents, writeRun } from './fixtures/runs';
import { connectPanel, launchChromium, root, settled, startServer, type PanelPage, type StaticServer } from './harness';

interface InspectedChart {
  metric: string;
  x: number[];
  yScale?: string;
  yRange?: [number, number];
  series: { id: string; label: string; role: 'raw' | 'smooth'; color: string; show: boolean; values: (number | null)[] }[];
}

let browser: Browser;
let server: StaticServer;
let vs: FakeVscode;
let panels: Panels;
let page: PanelPage;
let panel: FakePanel;
const pages: PanelPage[] = [];
const ws = mkdtempSync(join(tmpdir(), 'modelyaml-curves-'));
const runsRoot = join(ws, '.modelyaml', 'runs');
const run = (p: string) => join(runsRoot, 'mnist-mlp', p.split(/[\\/]/).pop()!);
const completed = run(recorded.completed);
const faster = run(recorded.faster);
const cancelled = run(recorded.cancelled);
const failed = run(recorded.failed);
const events = readEvents(recorded.completed);
const batches = events.filter((e) => e.type === 'batch');
const epochs = events.filter((e) => e.type === 'epoch');
const startedAt = events.find((e) => e.type === 'started')!.time;
const specPath = join(ws, 'examples', 'mlp.model.yaml');

const charts = (p = page): Promise<InspectedChart[]> => p.page.evaluate(() => (window as unknown as { modelyamlCurves: { charts(): InspectedChart[] } }).modelyamlCurves.charts());
const viewState = (p = page): Promise<CurvesViewState> => p.page.evaluate(() => (window as unknown as { modelyamlCurves: { state(): CurvesViewState } }).modelyamlCurves.state());
const renders = (p = page): Promise<number> => p.page.evaluate(() => (window as unknown as { modelyamlCurves: { renders(): number } }).modelyamlCurves.renders());
const chart = async (metric: string, p = page) => (await charts(p)).find((c) => c.metric === metric)!;
const nonNull = (v: (number | null)[]) => v.filter((x): x is number => x !== null);

/** A fingerprint of what a chart's canvas shows. */
async function pixels(metric: string, p = page): Promise<string> {
  await settled(p.page);
  return p.page.evaluate((m) => {
    const url = (document.querySelector(`.chart[data-metric="${m}"] canvas`) as HTMLCanvasElement).toDataURL();
    let h = 0;
    for (let i = 0; i < url.length; i++) h = (Math.imul(h, 31) + url.charCodeAt(i)) | 0;
    return `${url.length}:${h}`;
  }, metric);
}

async function select(id: string, value: string | string[], p = page): Promise<void> {
  await p.page.evaluate(
    ({ id, value }) => {
      const el = document.getElementById(id) as HTMLElement & { value: unknown };
      el.value = value;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    { id, value },
  );
  await settled(p.page);
}

function posted(type: string): Record<string, unknown>[] {
  return panel.posted.filter((m) => (m as { type: string }).type === type) as Record<string, unknown>[];
}

beforeAll(async () => {
  for (const dir of Object.values(recorded)) cpSync(dir, run(dir), { recursive: true });
  mkdirSync(join(ws, 'examples'));
  writeFileSync(specPath, readFileSync(join(root, 'examples', 'mlp.model.yaml')));
  browser = await launchChromium();
  server = await startServer();
  vs = fakeVscode({ origin: server.origin, workspace: ws });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  panels = registerPanels(context as never, {
    vscode: vs.api,
    output: memoryLog(vs.logs),
    training: { onEvent: () => ({ dispose() {} }) },
  });
});

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('training curves panel', () => {
  it('draws a recorded run: loss and every metric, train and validation, per batch and per epoch', async () => {
    panels.curves.show({ runDir: completed });
    panel = vs.panels[0];
    expect(panel.viewType).toBe(VIEW_TYPES.curves);
    expect(panel.posted).toEqual([]); // nothing before `ready`
    page = await connectPanel(browser, server, 'curves', panel, { theme: 'dark', viewport: { width: 1200, height: 540 } });
    pages.push(page);
    await page.page.waitForSelector('.chart[data-metric="accuracy"] canvas');
    await settled(page.page);
    expect(posted('init')[0]).toMatchObject({ current: completed, compare: [] });
    expect((posted('init')[0].runs as unknown[]).length).toBe(4);

    const all = await charts();
    expect(all.map((c) => c.metric)).toEqual(['loss', 'accuracy']);
    const loss = all[0];
    const ids = [...new Set(loss.series.map((s) => s.id.split('|').slice(1).join('|')))];
    expect(ids).toEqual(['loss|batch', 'loss|epoch', 'val_loss|epoch']);
    expect((await chart('accuracy')).series.map((s) => s.label)).toContain('validation (per epoch)');
    // The raw batch series: one point per batch event, at the recorded steps; the first of each
    // epoch is the trainer's running mean of the loss so far (later ones: means since the previous point).
    const rawBatch = loss.series.find((s) => s.id.endsWith('|loss|batch') && s.role === 'raw')!;
    const drawnBatch = nonNull(rawBatch.values);
    expect(drawnBatch).toHaveLength(batches.length);
    batches.forEach((b, i) => {
      if (b.type === 'batch' && (i === 0 || batches[i - 1].type === 'batch' && (batches[i - 1] as { epoch: number }).epoch !== b.epoch)) expect(drawnBatch[i]).toBe(b.metrics.loss);
    });
    const steps = loss.x.filter((_, i) => rawBatch.values[i] !== null);
    expect(steps).toEqual(batches.map((b) => (b.type === 'batch' ? (b.epoch - 1) * b.batches + b.batch : 0)));
    const valLoss = loss.series.find((s) => s.id.endsWith('|val_loss|epoch') && s.role === 'raw')!;
    expect(nonNull(valLoss.values)).toEqual(epochs.map((e) => (e.type === 'epoch' ? e.metrics.val_loss : 0)));
    expect(await page.page.textContent('#run-status-title')).toBe('Completed 3 epochs');
    // The banner says what the run reached: run.json's final train and validation metrics.
    expect(await page.page.textContent('#run-metrics')).toBe('Train: loss 0.62 · accuracy 0.8379 — Validation: loss 0.5692 · accuracy 0.848');
  });

  it('smoothing (debiased EMA) changes what is drawn', async () => {
    const smoothed = await pixels('loss');
    const before = await chart('loss');
    const raw = nonNull(before.series.find((s) => s.id.endsWith('|loss|batch') && s.role === 'raw')!.values);
    const sm = nonNull(before.series.find((s) => s.id.endsWith('|loss|batch') && s.role === 'smooth')!.values);
    expect(sm).toEqual(nonNull(smoothEma(raw, 0.6)));
    expect(sm[0]).toBeCloseTo(raw[0], 12); // debiased: the first point is not pulled to zero
    const variation = (v: number[]) => v.slice(1).reduce((a, x, i) => a + Math.abs(x - v[i]), 0);
    expect(variation(sm)).toBeLessThan(variation(raw) / 2);

    await page.page.focus('#smoothing');
    await page.page.keyboard.press('Home'); // the slider, by keyboard: smoothing off
    await settled(page.page);
    expect((await viewState()).smoothing).toBe(0);
    const off = await chart('loss');
    expect(off.series.every((s) => s.role === 'raw')).toBe(true);
    const offPixels = await pixels('loss');
    expect(offPixels).not.toBe(smoothed);

    await page.page.keyboard.press('End'); // strongest smoothing
    await settled(page.page);
    expect((await viewState()).smoothing).toBe(0.99);
    expect(await pixels('loss')).not.toBe(offPixels);
    for (let i = 0; i < 39; i++) await page.page.keyboard.press('ArrowLeft');
    await settled(page.page);
    expect((await viewState()).smoothing).toBeCloseTo(0.6, 5);
    expect(await pixels('loss')).toBe(smoothed);
  });

  it('log scale changes what the loss chart draws, and leaves the accuracy chart linear', async () => {
    const linear = await pixels('loss');
    const accuracy = await pixels('accuracy');
    await select('y-scale', 'log');
    const c = await chart('loss');
    expect(c.yScale).toBe('log');
    expect(c.yRange![0]).toBeGreaterThan(0);
    expect(await pixels('loss')).not.toBe(linear);
    expect((await chart('accuracy')).yScale).toBe('linear');
    expect(await pixels('accuracy')).toBe(accuracy);
    await select('y-scale', 'linear');
    expect((await chart('loss')).yScale).toBe('linear');
    expect(await pixels('loss')).toBe(linear);
  });

  it('puts step, epoch or wall time on the x axis', async () => {
    expect(Math.max(...(await chart('loss')).x)).toBe(3 * 282);
    await select('x-axis', 'epoch');
    const e = await chart('loss');
    expect(Math.max(...e.x)).toBe(3);
    const second = batches.find((b) => b.type === 'batch' && b.epoch === 2)!;
    if (second.type === 'batch') expect(e.x).toContain(1 + second.batch / second.batches); // a batch in epoch 2
    await select('x-axis', 'time');
    const t = await chart('loss');
    const last = events.filter((x) => x.type === 'epoch').pop()!.time;
    expect(Math.max(...t.x)).toBeCloseTo((last - startedAt) / 1000, 6);
    await select('x-axis', 'step');
  });

  it('ignores outliers when scaling y, on request', async () => {
    const full = (await chart('loss')).yRange!;
    await page.page.click('#outliers');
    await settled(page.page);
    expect((await viewState()).ignoreOutliers).toBe(true);
    const trimmed = (await chart('loss')).yRange!;
    expect(trimmed[1]).toBeLessThan(full[1]);
    await page.page.click('#outliers');
    await settled(page.page);
    expect((await chart('loss')).yRange).toEqual(full);
  });

  it('shows exact values in a tooltip on hover', async () => {
    const box = (await page.page.locator('.chart[data-metric="loss"] .u-over').boundingBox())!;
    await page.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    const tip = page.page.locator('.chart[data-metric="loss"] .chart-tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = (await tip.textContent())!;
    expect(text).toMatch(/^Step \d+/);
    expect(text).toContain('train (per batch)');
    expect(text).toContain('validation (per epoch)');
    const drawn = nonNull((await chart('loss')).series.find((s) => s.id.endsWith('|loss|batch') && s.role === 'raw')!.values);
    expect(drawn.some((v) => text.includes(`raw ${v}`))).toBe(true); // exact, not rounded
    await page.page.mouse.move(5, 5);
  });

  it('toggles series', async () => {
    await page.page.click('vscode-checkbox[data-series="train-batch"]');
    await settled(page.page);
    expect((await viewState()).hidden).toEqual(['train-batch']);
    expect((await chart('loss')).series.some((s) => s.id.endsWith('|batch'))).toBe(false);
    await page.page.click('vscode-checkbox[data-series="train-batch"]');
    await settled(page.page);
    expect((await chart('loss')).series.some((s) => s.id.endsWith('|batch'))).toBe(true);
  });

  it('overlays earlier runs of the spec in distinct colours, with their status', async () => {
    await select('compare', [faster, cancelled, failed]);
    await expect.poll(async () => (await charts()).flatMap((c) => c.series.map((s) => s.id.split('|')[0])).filter((v, i, a) => a.indexOf(v) === i).length).toBe(3);
    // The failed run stopped before its first batch: listed, but it has nothing to draw.
    expect(posted('runData').map((m) => (m.run as { id: string }).id)).toEqual([completed, faster, cancelled, failed]);
    const loss = await chart('loss');
    const colorOf = (runId: string) => new Set(loss.series.filter((s) => s.id.startsWith(`${runId}|loss|`) && s.role === 'smooth').map((s) => s.color));
    const colours = [completed, faster, cancelled].map((r) => [...colorOf(r)][0]);
    expect(new Set(colours).size).toBe(3);
    const legend = await page.page.$$eval('.run-legend li', (lis) => lis.map((li) => [li.getAttribute('data-status'), li.textContent]));
    expect(legend.map((l) => l[0])).toEqual(['completed', 'completed', 'cancelled', 'failed']);
    expect((await viewState()).compare).toEqual([faster, cancelled, failed]);
    await page.screenshot('curves-dark');
  });

  it('labels compared runs by the settings that differ, with their final metrics', async () => {
    const legend = () => page.page.$$eval('.run-legend li', (lis) => lis.map((li) => ({ label: li.querySelector('vscode-checkbox')!.getAttribute('label'), final: li.querySelector('.run-final')!.textContent })));
    // Four runs: the learning rate, the loss and the last layer's activation differ (resolved.json);
    // the completed and the cancelled run share all three, so their start times tell them apart.
    const four = await legend();
    expect(four.map((l) => l.label)).toEqual([
      expect.stringMatching(/^lr 0\.01 · loss categorical_crossentropy · dense_3\.activation softmax · \d\d:54:23$/),
      'lr 0.05 · loss categorical_crossentropy · dense_3.activation softmax',
      expect.stringMatching(/^lr 0\.01 · loss categorical_crossentropy · dense_3\.activation softmax · \d\d:54:51$/),
      'lr 100000 · loss mean_squared_error · dense_3.activation linear',
    ]);
    expect(four[1].final).toBe('final: loss 0.3353 · val_loss 0.375 · accuracy 0.9054 · val_accuracy 0.897');
    expect(four[3].final).toBe(''); // failed before its first epoch: nothing to show
    // The runs to pick from are labelled the same way, with their start times.
    const options = await page.page.$$eval('#compare vscode-option', (os) => os.map((o) => o.textContent));
    expect(options).toEqual([
      expect.stringMatching(/^lr 0\.01 · loss categorical_crossentropy · dense_3\.activation softmax · \d\d:54:51 \(cancelled\)$/),
      expect.stringMatching(/^lr 100000 · loss mean_squared_error · dense_3\.activation linear · \d\d:54:43 \(failed\)$/),
      expect.stringMatching(/^lr 0\.05 · loss categorical_crossentropy · dense_3\.activation softmax · \d\d:54:33$/),
    ]);

    await select('compare', [faster]);
    await expect.poll(async () => (await legend()).map((l) => l.label)).toEqual(['lr 0.01', 'lr 0.05']);
    const labels = (await chart('loss')).series.filter((x) => x.role === 'smooth').map((x) => x.label);
    expect(labels).toContain('lr 0.05 · train (per batch)');
    // Nothing differs between the completed and the cancelled run: they go by their start times.
    await select('compare', [cancelled]);
    await expect.poll(async () => (await legend()).map((l) => l.label)).toEqual([expect.stringMatching(/^mnist-mlp · 2026-11-2\d \d\d:54:23$/), expect.stringMatching(/^mnist-mlp · 2026-11-2\d \d\d:54:51$/)]);
    await select('compare', [faster, cancelled, failed]);
    await expect.poll(async () => (await legend()).length).toBe(4);
  });

  it('wraps the "Latest" line of each chart instead of cutting it off, with the full text on hover', async () => {
    for (const metric of ['loss', 'accuracy']) {
      const box = await page.page.$eval(`.chart[data-metric="${metric}"] .chart-summary`, (e) => {
        const r = e.getBoundingClientRect();
        const lines = [...e.querySelectorAll('.summary-line')].map((l) => {
          const b = l.getBoundingClientRect();
          return { text: l.textContent!, inside: b.left >= r.left - 1 && b.right <= r.right + 1 && b.bottom <= r.bottom + 1 };
        });
        return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, scrollHeight: e.scrollHeight, clientHeight: e.clientHeight, title: (e as HTMLElement).title, lines };
      });
      expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
      expect(box.scrollHeight).toBeLessThanOrEqual(box.clientHeight);
      expect(box.lines).toHaveLength(3); // one per run with points
      for (const l of box.lines) {
        expect(l.inside).toBe(true);
        expect(box.title).toContain(l.text);
      }
      expect(box.lines[1].text).toMatch(/^lr 0\.05 · loss categorical_crossentropy · dense_3\.activation softmax: train \(per batch\) [\d.]+ @ 846 · /);
    }
  });

  it('exports the data as CSV and JSON and the charts as PNG and SVG', async () => {
    const out = join(ws, 'exports');
    for (const format of ['csv', 'json', 'png', 'svg'] as const) {
      vs.saveTo = join(out, `curves.${format}`);
      const n = posted('exported').length;
      await page.page.click(`#export-${format}`);
      await expect.poll(() => posted('exported').length).toBe(n + 1);
      expect(posted('exported')[n]).toMatchObject({ outcome: 'saved', format, path: vs.saveTo });
    }
    const csv = readFileSync(join(out, 'curves.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('run,run_started,status,kind,step,epoch,time_s,loss,val_loss,accuracy,val_accuracy');
    const points = [completed, faster, cancelled, failed].reduce((n, d) => n + readEvents(d).filter((e) => e.type === 'batch' || e.type === 'epoch').length, 0);
    expect(csv).toHaveLength(points + 1);
    const json = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8'));
    expect(json.runs.map((r: { status: string }) => r.status)).toEqual(['completed', 'completed', 'cancelled', 'failed']);
    expect(json.runs[0].points).toHaveLength(batches.length + epochs.length);
    expect(json.settings).toMatchObject({ smoothing: 0.6, xAxis: 'step', yScale: 'linear' });
    const png = readFileSync(join(out, 'curves.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(10_000);
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    const check = await page.page.evaluate((text) => {
      const d = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { error: d.querySelector('parsererror')?.textContent ?? null, charts: [...d.querySelectorAll('g.chart')].map((g) => g.getAttribute('data-metric')), paths: d.querySelectorAll('path').length };
    }, svg);
    expect(check.error).toBeNull();
    expect(check.charts).toEqual(['loss', 'accuracy']);
    expect(check.paths).toBe(2 * 3 * 4); // 2 charts × 3 runs with points × (batch raw + smoothed, train and validation per epoch)
  });

  it('shows that a run was cancelled, failed or crashed', async () => {
    panels.curves.show({ runDir: cancelled });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'cancelled');
    expect(await page.page.textContent('#run-status-title')).toBe('Cancelled in epoch 3, batch 2');

    panels.curves.show({ runDir: failed });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'failed');
    expect(await page.page.textContent('#run-status-title')).toBe(
      'Failed (train/nan-loss): The loss became +Infinity at epoch 1, batch 4: training diverged. Lower the learning rate, check the data for extreme values (standardize or normalize it), or check the loss fits the last layer.',
    );
    expect(await page.page.getAttribute('#run-status', 'class')).toContain('error');
    expect(await page.page.textContent('#empty')).toBe('This run recorded no points.');

    // "Show Training Curves" on a spec: its latest run (the cancelled one).
    vs.openEditor(specPath);
    await vs.commands.get('modelyaml.showCurves')!();
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'cancelled');

    // A run whose trainer died without a word: run.json still says running, its process is gone.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dir = join(runsRoot, 'mnist-cnn', '2026-12-04T08-00-00Z');
    const ev = syntheticEvents({ epochs: 3, batchesPerEpoch: 40, end: 'crashed', stopAfter: 2, start: Date.UTC(2025, 5, 4, 8), seed: 3 });
    writeRun(dir, ev, runRecordFor(ev, { pid: gone }));
    panels.curves.show({ runDir: dir });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'crashed');
    expect(await page.page.textContent('#run-status')).toContain(`Crashed: the trainer (pid ${gone}) stopped without finishing the run`);
    panels.curves.show({ runDir: completed });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'completed');
  });

  it('draws the per-batch loss and accuracy alike (both per batch), says so, and shows the test metrics', async () => {
    const perBatch = { loss: [] as number[], accuracy: [] as number[] };
    const dir = join(runsRoot, 'mnist-cnn', '2026-12-04T09-00-00Z');
    const ev = syntheticEvents({ epochs: 2, batchesPerEpoch: 30, every: 1, seed: 5, start: Date.UTC(2026, 11, 4, 9), runDir: dir, perBatch, test: { loss: 0.3125, accuracy: 0.9375 } });
    writeRun(dir, ev);
    panels.curves.show({ runDir: dir });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'completed' && document.querySelector('.chart[data-metric="accuracy"]'));
    await settled(page.page);
    const raw = async (metric: string) => nonNull((await chart(metric)).series.find((x) => x.id.endsWith(`|${metric}|batch`) && x.role === 'raw')!.values);
    // The trainer sends running means of both; each batch's own values come back from them.
    const loss = await raw('loss');
    const accuracy = await raw('accuracy');
    expect(loss).toHaveLength(60);
    loss.forEach((v, i) => expect(v).toBeCloseTo(perBatch.loss[i], 9));
    accuracy.forEach((v, i) => expect(v).toBeCloseTo(perBatch.accuracy[i], 9));
    expect(await page.page.textContent('#batch-note')).toBe('Per batch: the loss and every metric alike are means over the batches since the previous point.');
    expect(await page.page.isVisible('#batch-note')).toBe(true);
    expect(await page.page.textContent('#run-metrics')).toMatch(/^Train: loss [\d.]+ · accuracy [\d.]+ — Validation: loss [\d.]+ · accuracy [\d.]+ — Test: loss 0\.3125 · accuracy 0\.9375$/);
    panels.curves.show({ runDir: completed });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'completed' && !document.getElementById('run-metrics')!.textContent!.includes('Test'));
  });

  it('says so when a spec has no runs yet', async () => {
    const spec = join(ws, 'fresh.model.yaml');
    writeFileSync(spec, readFileSync(join(root, 'examples', 'mlp.model.yaml'), 'utf8').replace('name: mnist-mlp', 'name: fresh'));
    vs.openEditor(spec);
    await vs.commands.get('modelyaml.showCurves')!();
    await page.page.waitForFunction(() => !document.getElementById('empty')?.hidden && document.getElementById('empty')!.textContent!.includes('no training runs yet'));
    expect(await page.page.textContent('#empty')).toMatch(/^fresh\.model\.yaml has no training runs yet/);
    expect(await page.page.locator('.chart').count()).toBe(0);
  });

  it('follows a live run of thousands of points, drawing in animation frames', async () => {
    const spec = join(ws, 'mnist-cnn.model.yaml');
    const dir = join(runsRoot, 'mnist-cnn', '2026-12-05T10-00-00Z');
    const start = Date.UTC(2026, 11, 5, 10);
    // Like the trainer: the run folder is announced before the data loads, then `started`, batches, epochs, done.
    const live: TrainerEvent[] = [
      { type: 'log', level: 'info', message: `run folder: ${dir}`, runDir: dir, time: start - 2000 } as TrainerEvent,
      ...syntheticEvents({ epochs: 20, batchesPerEpoch: 600, every: 1, seed: 11, runDir: dir, start }),
    ];
    writeRun(dir, live.slice(0, 1));
    const rendersBefore = await renders();
    const postedBefore = panel.posted.length;
    panels.curves.onTrainerEvent(spec, live[0]); // the panel switches to the new run at once
    await page.page.waitForFunction((d) => (window as unknown as { modelyamlCurves: { state(): { runId?: string } } }).modelyamlCurves.state().runId === d, dir);
    expect(await page.page.textContent('#run-status-title')).toBe('Starting — loading the data…');
    panels.curves.onTrainerEvent(spec, live[1]); // started
    await page.page.waitForFunction(() => document.getElementById('run-status-title')?.textContent === 'Starting on wasm — loading the data…');
    // Events arrive in bursts, as from the trainer's pipe; the host sends what a burst added in one
    // message (after its flush interval). Each burst waits for that message, not for a clock.
    let chunks = 0;
    for (let i = 2; i < live.length; i += 500) {
      const sent = posted('points').length + posted('runStatus').length;
      for (const e of live.slice(i, i + 500)) panels.curves.onTrainerEvent(spec, e);
      chunks++;
      await expect.poll(() => posted('points').length + posted('runStatus').length, { interval: 10 }).toBeGreaterThan(sent);
    }
    const batchCount = live.filter((e) => e.type === 'batch').length;
    expect(batchCount).toBe(12_000);
    await page.page.waitForFunction(
      (n) => {
        const c = (window as unknown as { modelyamlCurves: { charts(): InspectedChart[] } }).modelyamlCurves.charts().find((x) => x.metric === 'loss');
        const s = c?.series.find((x) => x.id.endsWith('|loss|batch') && x.role === 'raw');
        // All points arrived; a min and a max per device pixel of the chart's width are drawn, at
        // most 4,000 (min/max decimation, see curvesModel.test.ts).
        const cap = Math.min(4000, Math.round(2 * document.getElementById('charts')!.clientWidth * devicePixelRatio));
        const drawn = s ? s.values.filter((v) => v !== null).length : 0;
        return drawn <= Math.min(cap, n) && drawn > 0.75 * cap;
      },
      batchCount,
      { timeout: 30_000 },
    );
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'completed');
    const messages = panel.posted.length - postedBefore;
    const frames = (await renders()) - rendersBefore;
    // Points travel in batches (one message per burst; besides: init and runData when the run was
    // announced, its status when it started and ended) and are drawn once per frame, not once per
    // event. How fast: `npm run bench:webviews`.
    expect(messages).toBeLessThanOrEqual(chunks + 4);
    expect(frames).toBeLessThanOrEqual(messages + 2);
  });

  it('follows the theme', async () => {
    panels.curves.show({ runDir: completed });
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'completed');
    await select('compare', [faster, cancelled, failed]);
    await expect.poll(async () => (await chart('loss')).series.length).toBe(12);
    const dark = await pixels('loss');
    expect((await chart('loss')).series.find((x) => x.id === `${completed}|loss|batch` && x.role === 'smooth')!.color).toBe('#3794ff');
    const before = await renders();
    await page.setTheme('light');
    await page.page.waitForFunction((n) => (window as unknown as { modelyamlCurves: { renders(): number } }).modelyamlCurves.renders() > n, before);
    expect(await pixels('loss')).not.toBe(dark);
    const current = (await chart('loss')).series.find((x) => x.id === `${completed}|loss|batch` && x.role === 'smooth')!;
    expect(current.color).toBe('#1a85ff'); // --vscode-charts-blue of the light theme
    await page.screenshot('curves-light');
    await page.setTheme('high-contrast');
    await settled(page.page);
    await page.screenshot('curves-high-contrast');
    await page.setTheme('dark');
    await settled(page.page);
  });

  it('reports no CSP violation, console error or stray request', () => {
    expect([...page.problems(), ...page.strayRequests()]).toEqual([]);
    expect(vs.logs.filter((l) => !l.startsWith('info'))).toEqual([]);
  });

  it('comes back after a reload with its runs and settings (webview serializer)', async () => {
    await select('y-scale', 'log');
    const state = (await page.savedState()) as CurvesViewState;
    expect(state).toMatchObject({ runId: completed, compare: [faster, cancelled, failed], yScale: 'log', smoothing: 0.6 });
    panel.dispose();
    await page.close();
    const restored = vs.newPanel(VIEW_TYPES.curves);
    await vs.serializers.get(VIEW_TYPES.curves)!.deserializeWebviewPanel(restored, state);
    const p2 = await connectPanel(browser, server, 'curves', restored, { theme: 'dark', state });
    pages.push(p2);
    await expect.poll(async () => (await charts(p2)).find((c) => c.metric === 'loss')?.series.length ?? 0).toBe(12);
    const loss = (await charts(p2)).find((c) => c.metric === 'loss')!;
    expect(loss.yScale).toBe('log');
    expect((await viewState(p2)).compare).toEqual([faster, cancelled, failed]);
    expect([...p2.problems(), ...p2.strayRequests()]).toEqual([]);
  });

  it('drops invalid messages from the webview and logs them', async () => {
    const restored = vs.panels[vs.panels.length - 1];
    const n = vs.logs.length;
    restored.received.fire({ type: 'compare', runIds: 'all' });
    restored.received.fire({ type: 'export', format: 'exe', fileName: '../../evil', encoding: 'utf8', data: '' });
    restored.received.fire({ type: 'compare', runIds: ['/etc'] });
    expect(vs.logs.slice(n)).toEqual([
      expect.stringContaining('dropped an invalid message from the webview: invalid `compare` curves webview message'),
      expect.stringContaining('dropped an invalid message from the webview: invalid `export` curves webview message: fields `format`, `fileName`'),
      expect.stringContaining('ignored 1 unknown run id'),
    ]);
  });
});
