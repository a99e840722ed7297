/**
 * The "Try the model" panel in headless Chromium under the extension's CSP. First with a stand-in
 * host: strokes drawn with the mouse on the canvas reach the host as the MNIST-style 28×28 input
 * (checked pixel for pixel against ./digits.ts on the canvas's own pixels, and by its shape: 20
 * rows tall, centred), a picked picture is scaled as it is, and the probabilities the host sends
 * are drawn (stale answers ignored). Then end to end: the real host (`registerPanels`) on a
 * stand-in vscode API and a real prediction session on a freshly trained iris run — the form is
 * built from the run's feature columns, and typing in it shows the model's own probabilities.
 * Screenshots go to test-artifacts/webviews/try-*.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TryForm } from '../../src/core/protocol/tryPanel';
import { VIEW_TYPES } from '../../src/core/protocol/webview';
import { registerPanels } from '../../src/extension/panels';
import { SessionPool } from '../../src/node/predictionSession';
import { loadRunModel } from '../../src/trainer/inference';
import { digitPixels, inkOf } from '../../webviews/try/digits';
import { irisSpec, train, trainerBundle, workspace } from '../trainer/helpers';
import { fakeVscode, memoryLog, Uri, type FakePanel, type FakeVscode } from './fakeVscode';
import { connectPanel, launchChromium, openPanel, root, settled, startServer, type PanelPage, type StaticServer } from './harness';

let browser: Browser;
let server: StaticServer;
const pages: PanelPage[] = [];

interface PredictMessage {
  type: 'predict';
  seq: number;
  input: { kind: string; width: number; height: number; channels: number; data: number[] };
}

const DIGIT_FORM: TryForm = { kind: 'image', width: 28, height: 28, channels: 1, send: 'values', digits: true };
const RUN = { id: '/runs/mnist-cnn/1', label: 'mnist-cnn · 2026-12-06 14:03:00', checkpoint: '/runs/mnist-cnn/1/checkpoints/best', backend: 'wasm' };

function problemsOf(pp: PanelPage): string[] {
  return [...pp.problems(), ...pp.strayRequests().map((r) => `unexpected request ${r}`)];
}

const predicts = (pp: PanelPage) => pp.received.filter((m) => (m as { type: string }).type === 'predict') as PredictMessage[];

/** Draws a polyline on the pad with the mouse (pad coordinates, 0…280). */
async function stroke(pp: PanelPage, points: [number, number][]): Promise<void> {
  const box = (await pp.page.locator('#pad').boundingBox())!;
  await pp.page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
  await pp.page.mouse.down();
  for (const [x, y] of points.slice(1)) await pp.page.mouse.move(box.x + x, box.y + y, { steps: 8 });
  await pp.page.mouse.up();
}

/** The pad's pixels as RGBA bytes. */
const padPixels = (pp: PanelPage) => pp.page.evaluate(() => Array.from((document.getElementById('pad') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 280, 280).data));

/**
 * A spec trained for real in a fresh folder, and the real panel hosts (`registerPanels`) on a
 * stand-in vscode API whose runs folder is that folder's, with a pool of real sessions.
 */
async function servedRun(file: string, spec: string, backend?: string): Promise<{ runDir: string; vs: FakeVscode; pool: SessionPool }> {
  const dir = workspace({ [file]: spec });
  const { result } = await train(join(dir, file));
  expect(result.status, result.error?.message).toBe('completed');
  const pool = new SessionPool({ trainerPath: await trainerBundle(), backend });
  const vs = fakeVscode({ origin: server.origin, workspace: root });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  registerPanels(context as never, { vscode: vs.api, output: memoryLog(vs.logs), runsRoots: () => [join(dir, 'runs')], sessions: pool });
  return { runDir: result.runDir!, vs, pool };
}

beforeAll(async () => {
  browser = await launchChromium();
  server = await startServer();
});

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('try panel (webview)', () => {
  let pp: PanelPage;

  it('a drawn digit reaches the host as MNIST does: 28×28 grey, white on black, 20 rows tall, centred by mass', async () => {
    pp = await openPanel(browser, server, 'try', { theme: 'dark', viewport: { width: 900, height: 560 } });
    pages.push(pp);
    await pp.waitForMessage((m) => m.type === 'ready');
    await pp.send({ type: 'form', run: RUN, form: DIGIT_FORM });
    await pp.page.waitForSelector('#pad');
    // A "7": a bar along the top, then a diagonal down to the left — drawn in the left half of the pad.
    await stroke(pp, [[40, 50], [130, 50], [70, 230]]);
    await settled(pp.page);
    const last = predicts(pp).at(-1)!;
    expect(last.input).toMatchObject({ kind: 'pixels', width: 28, height: 28, channels: 1 });
    // Exactly the MNIST normalisation of what is on the canvas.
    expect(last.input.data).toEqual(digitPixels(inkOf(await padPixels(pp)), 280, 280, 28, 28));
    // And what that means: the digit's taller side fills 20 rows, its mass sits in the middle, the rest is black.
    const rows = [...Array(28).keys()].filter((y) => last.input.data.slice(y * 28, y * 28 + 28).some((v) => v > 0));
    expect(rows.at(-1)! - rows[0] + 1).toBe(20);
    let mass = 0, cx = 0, cy = 0;
    last.input.data.forEach((v, i) => ((mass += v), (cx += v * ((i % 28) + 0.5)), (cy += v * (Math.floor(i / 28) + 0.5))));
    expect(Math.abs(cx / mass - 14)).toBeLessThan(1);
    expect(Math.abs(cy / mass - 14)).toBeLessThan(1);
    expect(Math.max(...last.input.data)).toBe(255);
    expect(last.input.data.filter((v) => v === 0).length).toBeGreaterThan(600);
    // Requests are numbered; at most one per frame left while drawing.
    expect(predicts(pp).map((m) => m.seq)).toEqual(predicts(pp).map((_, i) => i + 1));
  });

  it('draws the probabilities the host sends, the most probable class first in words, and ignores stale answers', async () => {
    const seq = predicts(pp).at(-1)!.seq;
    const probabilities = [0.01, 0.02, 0.03, 0.04, 0.05, 0.02, 0.01, 0.78, 0.02, 0.02];
    const classes = [...'0123456789'];
    await pp.send({ type: 'prediction', seq, ms: 4.2, output: { label: '7', probabilities, classes } });
    await pp.page.waitForSelector('#probabilities li');
    const shown = await pp.page.evaluate(() => ({
      answer: document.getElementById('answer')!.textContent,
      rows: [...document.querySelectorAll('#probabilities li')].map((li) => ({ cls: li.getAttribute('data-class'), p: Number(li.getAttribute('data-p')), top: li.classList.contains('top'), label: li.getAttribute('aria-label'), width: (li.querySelector('.bar') as HTMLElement).style.width })),
      timing: document.getElementById('timing')!.textContent,
    }));
    expect(shown.answer).toBe('7 78.0%');
    expect(shown.rows.map((r) => r.cls)).toEqual(classes);
    expect(shown.rows.map((r) => r.p)).toEqual(probabilities);
    expect(shown.rows.filter((r) => r.top).map((r) => r.cls)).toEqual(['7']);
    expect(shown.rows[7]).toMatchObject({ label: '7: 78.0%', width: '78%' });
    expect(shown.timing).toBe('4.2 ms');
    await pp.screenshot('try-digit-dark');
    await pp.setTheme('light');
    await settled(pp.page);
    await pp.screenshot('try-digit-light');
    await pp.setTheme('high-contrast');
    await settled(pp.page);
    await pp.screenshot('try-digit-high-contrast');
    // An answer to an older request than the one shown changes nothing.
    await pp.send({ type: 'prediction', seq: seq - 1, ms: 1, output: { label: '1', probabilities: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0], classes } });
    await settled(pp.page);
    expect(await pp.page.textContent('#answer')).toBe('7 78.0%');
    // Bad input comes back as an error, shown in words.
    await pp.send({ type: 'prediction', seq: seq + 1, ms: 0, error: { code: 'predict/bad-shape', message: 'the picture must be 28×28 pixels' } });
    await pp.page.waitForSelector('#banner:not([hidden])');
    expect(await pp.page.textContent('#banner')).toBe('the picture must be 28×28 pixels');
    expect(problemsOf(pp)).toEqual([]);
  });

  it('keyboard: Clear is reachable with Tab and empties the pad; Delete on the focused pad does too', async () => {
    await stroke(pp, [[100, 100], [180, 200]]);
    await settled(pp.page);
    const sent = predicts(pp).length;
    await pp.page.focus('#pad');
    await pp.page.keyboard.press('Tab');
    expect(await pp.page.evaluate(() => document.activeElement?.id)).toBe('clear');
    await pp.page.keyboard.press('Enter');
    await settled(pp.page);
    expect((await padPixels(pp)).some((v, i) => i % 4 !== 3 && v > 0)).toBe(false);
    expect(await pp.page.locator('#probabilities').count()).toBe(0);
    expect(predicts(pp).length).toBe(sent); // an empty pad asks nothing
    await stroke(pp, [[100, 100], [180, 200]]);
    await pp.page.focus('#pad');
    await pp.page.keyboard.press('Delete');
    expect((await padPixels(pp)).some((v, i) => i % 4 !== 3 && v > 0)).toBe(false);
  });

  it('a picked picture is scaled to the input size as it is (RGBA), not re-centred', async () => {
    // A PNG made in the page: a white square in the top-left quarter of a black 100×100 picture.
    const png = await pp.page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = c.height = 100;
      const g = c.getContext('2d')!;
      g.fillStyle = '#000';
      g.fillRect(0, 0, 100, 100);
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 50, 50);
      return c.toDataURL('image/png').split(',')[1];
    });
    const before = predicts(pp).length;
    await pp.page.setInputFiles('#picture-file', { name: 'square.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
    await pp.page.waitForFunction((n) => document.querySelectorAll('canvas').length > 0 && n >= 0, before);
    await expect.poll(() => predicts(pp).length).toBeGreaterThan(before);
    const m = predicts(pp).at(-1)!;
    expect(m.input).toMatchObject({ kind: 'pixels', width: 28, height: 28, channels: 4 });
    const grey = (x: number, y: number) => m.input.data[(y * 28 + x) * 4];
    expect(grey(5, 5)).toBe(255);
    expect(grey(22, 22)).toBe(0);
    expect(grey(22, 5)).toBe(0);
    expect(problemsOf(pp)).toEqual([]);
  });
});

describe('try panel: text and regression models (stand-in host)', () => {
  it('a text model gets a text box whose every edit asks for a prediction; a regressed value is shown as a number', async () => {
    const pp = await openPanel(browser, server, 'try', { theme: 'high-contrast', viewport: { width: 900, height: 360 } });
    pages.push(pp);
    await pp.waitForMessage((m) => m.type === 'ready');
    await pp.send({ type: 'form', run: { ...RUN, label: 'sentiment · 2026-12-06 14:03:00' }, form: { kind: 'text', field: 'review' } });
    await pp.page.focus('#text');
    await pp.page.keyboard.type('a great film');
    await settled(pp.page);
    const last = pp.received.filter((m) => (m as { type: string }).type === 'predict').at(-1) as { seq: number; input: unknown };
    expect(last.input).toEqual({ kind: 'text', text: 'a great film' });
    expect(await pp.page.textContent('label[for="text"]')).toBe('review');
    await pp.send({ type: 'prediction', seq: last.seq, ms: 2, output: { value: [123.456789] } });
    await pp.page.waitForSelector('#answer');
    expect(await pp.page.textContent('#answer')).toBe('123.46');
    expect(problemsOf(pp)).toEqual([]);
  });
});

describe('try panel: workspace trust', () => {
  it('an untrusted workspace gets the trust message and no session (the trainer may load the workspace’s tfjs-node)', async () => {
    const vs = fakeVscode({ origin: server.origin, workspace: root, trusted: false });
    const sessions = { get: () => { throw new Error('no session may start'); }, close: () => undefined };
    registerPanels({ subscriptions: [], extensionUri: Uri.file(root) } as never, { vscode: vs.api, output: memoryLog(vs.logs), runsRoots: () => [], sessions: sessions as never });
    await vs.commands.get('modelyaml.tryModel')!({ runDir: '/somewhere/run' });
    expect(vs.panels).toEqual([]);
    expect(vs.messages.map((m) => m.text)).toEqual([expect.stringMatching(/^ModelYAML: Trying the model needs a trusted workspace/)]);
  });
});

describe('try panel on a real iris run (host, session, webview)', () => {
  let vs: FakeVscode;
  let panel: FakePanel;
  let pp: PanelPage;
  let runDir: string;
  let pool: SessionPool;

  beforeAll(async () => {
    ({ runDir, vs, pool } = await servedRun('iris.model.yaml', irisSpec({ name: 'iris-try', epochs: 3 }), 'cpu'));
  }, 300_000);

  afterAll(() => pool?.dispose());

  it('the palette command lists the servable runs; the form has a field per feature column, filled with the training means', async () => {
    const offered: string[] = [];
    vs.pick = (items) => {
      offered.push(...items.map((i) => (i as unknown as { detail: string }).detail));
      return items[0];
    };
    await vs.commands.get('modelyaml.tryModel')!();
    expect(offered).toEqual([runDir]);
    panel = vs.panels.find((p) => p.viewType === VIEW_TYPES.try)!;
    expect(panel.title).toMatch(/^Try: iris-try · /);
    pp = await connectPanel(browser, server, 'try', panel, { theme: 'light', viewport: { width: 900, height: 420 } });
    pages.push(pp);
    await pp.page.waitForSelector('#probabilities li', { timeout: 60_000 });
    const fields = await pp.page.evaluate(() => [...document.querySelectorAll<HTMLInputElement>('#fields input')].map((i) => ({ name: i.name, value: i.value, label: document.querySelector(`label[for="${i.id}"]`)?.textContent })));
    expect(fields.map((f) => f.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(fields.map((f) => f.label)).toEqual(fields.map((f) => f.name));
    const run = await loadRunModel(runDir, { backend: 'cpu' });
    try {
      const means = (run.preprocessing.steps.find((s) => s.type === 'standardize')!.fitted!.mean as number[]).map((v) => Number(v.toPrecision(4)));
      expect(fields.map((f) => Number(f.value))).toEqual(means);
    } finally {
      run.dispose();
    }
  }, 120_000);

  it('typing a value shows the run model’s own probabilities for that flower', async () => {
    const flower = { sepal_length: '6.1', sepal_width: '2.8', petal_length: '4.7', petal_width: '1.2' };
    for (const [name, value] of Object.entries(flower)) await pp.page.fill(`#fields input[name="${name}"]`, value);
    const run = await loadRunModel(runDir, { backend: 'cpu' });
    const [expected] = await run.predict([flower]);
    run.dispose();
    await pp.page.waitForFunction((p) => {
      const rows = [...document.querySelectorAll('#probabilities li')];
      return rows.length === 3 && rows.every((li) => Math.abs(Number(li.getAttribute('data-p')) - p[li.getAttribute('data-class')!]) < 1e-5);
    }, expected.probabilities!, { timeout: 30_000 });
    expect(await pp.page.textContent('#answer .label')).toBe(expected.label);
    expect(Object.keys(expected.probabilities!)).toEqual(['setosa', 'versicolor', 'virginica']);
    await pp.screenshot('try-iris-light');
    // A value that is not a number: the trainer's message, naming the column.
    await pp.page.fill('#fields input[name="petal_width"]', 'wide');
    await pp.page.waitForSelector('#banner:not([hidden])', { timeout: 30_000 });
    expect(await pp.page.textContent('#banner')).toMatch(/petal_width/);
    expect(problemsOf(pp)).toEqual([]);
  }, 120_000);
});

describe('try panel on a real MNIST CNN run (host, session, webview)', () => {
  let pool: SessionPool;
  let runDir: string;
  let vs: FakeVscode;

  beforeAll(async () => {
    const spec = readFileSync(join(root, 'examples', 'mnist-cnn.model.yaml'), 'utf8').replace('{ dataset: mnist }', '{ dataset: { name: mnist, samples: 2000 } }').replace('epochs: 10', 'epochs: 1');
    ({ runDir, vs, pool } = await servedRun('mnist-cnn.model.yaml', spec));
  }, 300_000);

  afterAll(() => pool?.dispose());

  it('the CodeLens command opens the spec’s newest run; a drawn digit gets the model’s own probabilities for exactly the input sent', async () => {
    await vs.commands.get('modelyaml.tryModel')!(Uri.file(join(runDir, '..', '..', '..', 'mnist-cnn.model.yaml')));
    const panel = vs.panels.find((p) => p.viewType === VIEW_TYPES.try)!;
    const pp = await connectPanel(browser, server, 'try', panel, { theme: 'dark', viewport: { width: 900, height: 360 } });
    pages.push(pp);
    await pp.page.waitForSelector('#pad', { timeout: 60_000 });
    await stroke(pp, [[60, 50], [170, 50], [100, 240]]);
    await settled(pp.page);
    const sent = predicts(pp).at(-1)!;
    // The newest request is always answered (latest wins): the panel ends on the model's own answer for those values.
    const run = await loadRunModel(runDir);
    const [expected] = await run.predict([{ values: sent.input.data }]);
    run.dispose();
    expect(expected.probabilities!['0'] + Object.values(expected.probabilities!).slice(1).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    await pp.page.waitForFunction((p) => document.querySelectorAll('#probabilities li').length === 10 && [...document.querySelectorAll('#probabilities li')].every((li) => Math.abs(Number(li.getAttribute('data-p')) - p[li.getAttribute('data-class')!]) < 1e-4), expected.probabilities!, { timeout: 30_000 });
    expect(await pp.page.textContent('#answer .label')).toBe(expected.label);
    await pp.screenshot('try-mnist-dark');
    expect(problemsOf(pp)).toEqual([]);
  }, 120_000);
});
