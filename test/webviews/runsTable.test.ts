/**
 * The runs table panel end to end: real runs from real training, the panel's host on a stand-in
 * vscode API, the built bundle in headless Chromium under the extension's CSP. Sorting, the text
 * filter, hiding a column, brushing a parallel-coordinates axis, and picking two runs to compare.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurvesToWebview } from '../../src/core/protocol/webview';
import { registerPanels } from '../../src/extension/panels';
import { RUN_COMMANDS } from '../../src/extension/runs/actions';
import { trainedWorkspace, type TrainedWorkspace } from '../node/trainedRuns';
import { fakeVscode, memoryLog, Uri, type FakeVscode } from './fakeVscode';
import { connectPanel, launchChromium, root, settled, startServer, type PanelPage, type StaticServer } from './harness';

let browser: Browser;
let server: StaticServer;
let vs: FakeVscode;
let page: PanelPage;
let t: TrainedWorkspace;

const VARIANTS = [
  { lr: 0.05, units: 16 },
  { lr: 0.01, units: 16 },
  { lr: 0.05, units: 32 },
  { lr: 0.003, units: 64 },
  { lr: 0.01, units: 64 },
];

/** The labels of the rows shown, top to bottom. */
const shown = () => page.page.locator('#runs-table tbody th[scope=row]').allInnerTexts();
const cells = (column: string) =>
  page.page.evaluate((c) => {
    const i = [...document.querySelectorAll('#runs-table thead th')].findIndex((th) => (th as HTMLElement).dataset.column === c);
    return [...document.querySelectorAll('#runs-table tbody tr')].map((tr) => (tr.children[i] as HTMLElement).innerText);
  }, column);

beforeAll(async () => {
  t = await trainedWorkspace(VARIANTS);
  browser = await launchChromium();
  server = await startServer();
  vs = fakeVscode({ origin: server.origin, workspace: t.ws });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  registerPanels(context as never, { vscode: vs.api, output: memoryLog(vs.logs) });
  await vs.api.commands.executeCommand(RUN_COMMANDS.openTable);
  const panel = vs.panels.find((p) => p.viewType === 'modelyaml.runsTable')!;
  page = await connectPanel(browser, server, 'runs', panel, { theme: 'light', viewport: { width: 1280, height: 760 } });
  await page.page.waitForSelector('#runs-table tbody tr');
  await settled(page.page);
}, 300_000);

afterAll(async () => {
  await page?.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('the runs table panel', () => {
  it('renders a row per run labelled by what differs, with the differing parameters and the metrics as columns', async () => {
    expect(await shown()).toEqual(['lr 0.01 · units 64', 'lr 0.003 · units 64', 'lr 0.05 · units 32', 'lr 0.01 · units 16', 'lr 0.05 · units 16']);
    const headers = await page.page.locator('#runs-table thead th[data-column]').evaluateAll((ths) => ths.map((th) => (th as HTMLElement).dataset.column));
    expect(headers).toEqual(expect.arrayContaining(['label', 'status', 'started', 'backend', 'duration', 'final.val_loss', 'best.val_loss', 'test.accuracy', 'param:train.optimizer.adam.learning_rate', 'param:model.layers[0].dense.units']));
    expect(await cells('param:model.layers[0].dense.units')).toEqual(['64', '64', '32', '16', '16']);
    expect(await page.page.locator('#count').innerText()).toBe('5 of 5 runs');
    // The group shown is kept in the webview's state, for the serializer after a reload.
    expect(await page.savedState()).toMatchObject({ group: expect.stringMatching(/^spec:.*\.model\.yaml$/) });
    expect(page.problems()).toEqual([]);
    expect(page.strayRequests()).toEqual([]);
  });

  it('sorts by a column (click, again for the other way, or Enter on the focused header)', async () => {
    const sortBy = (c: string) => page.page.locator(`#runs-table thead th[data-column="${c}"] button`).click();
    await sortBy('best.val_loss');
    const asc = (await cells('best.val_loss')).map(Number);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(await page.page.locator('th[data-column="best.val_loss"]').getAttribute('aria-sort')).toBe('ascending');
    await sortBy('best.val_loss');
    const desc = (await cells('best.val_loss')).map(Number);
    expect(desc).toEqual([...asc].reverse());
    await page.page.locator('th[data-column="param:train.optimizer.adam.learning_rate"] button').focus();
    await page.page.keyboard.press('Enter');
    expect(await cells('param:train.optimizer.adam.learning_rate')).toEqual(['0.003', '0.01', '0.01', '0.05', '0.05']);
    expect(await page.savedState()).toMatchObject({ sort: { column: 'param:train.optimizer.adam.learning_rate', descending: false } });
  });

  it('filters by text and hides a column', async () => {
    await page.page.locator('#filter').fill('lr 0.01');
    expect((await shown()).sort()).toEqual(['lr 0.01 · units 16', 'lr 0.01 · units 64']);
    expect(await page.page.locator('#count').innerText()).toBe('2 of 5 runs');
    await page.page.locator('#filter').fill('');
    expect(await shown()).toHaveLength(5);
    await page.page.locator('#columns summary').click();
    await page.page.locator('#column-list input[data-column="backend"]').uncheck();
    expect(await page.page.locator('#runs-table thead th[data-column="backend"]').count()).toBe(0);
    expect(await page.savedState()).toMatchObject({ hidden: ['backend'] });
    await page.page.locator('#columns summary').click();
  });

  it('brushing a parallel-coordinates axis filters the rows; Escape on the axis clears it', async () => {
    const axis = page.page.locator('g.pc-axis[data-axis="param:train.optimizer.adam.learning_rate"] rect.pc-hit');
    const box = (await axis.boundingBox())!;
    const x = box.x + box.width / 2;
    // From the top of the axis down to 30 % of its height: the highest learning rates (0.05).
    await page.page.mouse.move(x, box.y + 2);
    await page.page.mouse.down();
    await page.page.mouse.move(x, box.y + box.height * 0.3, { steps: 4 });
    await page.page.mouse.up();
    expect((await shown()).sort()).toEqual(['lr 0.05 · units 16', 'lr 0.05 · units 32']);
    expect(await page.page.locator('path.pc-line.faded').count()).toBe(3);
    await page.page.locator('g.pc-axis[data-axis="param:train.optimizer.adam.learning_rate"]').focus();
    await page.page.keyboard.press('Escape');
    expect(await shown()).toHaveLength(5);
    expect(await page.page.locator('path.pc-line.faded').count()).toBe(0);
  });

  it('brushes from the keyboard: ↑ on a focused axis keeps its upper half, Escape clears', async () => {
    await page.page.locator('g.pc-axis[data-axis="param:model.layers[0].dense.units"]').focus();
    await page.page.keyboard.press('ArrowUp');
    expect((await shown()).sort()).toEqual(['lr 0.003 · units 64', 'lr 0.01 · units 64']);
    expect(await page.page.locator('#clear-brushes').isDisabled()).toBe(false);
    await page.page.keyboard.press('Escape');
    expect(await shown()).toHaveLength(5);
  });

  it('follows the theme: lines and the selection in the theme’s colours, high contrast outlines the selected row', async () => {
    await page.page.locator('#runs-table tbody tr').nth(1).locator('input[type=checkbox]').check();
    const colours = () =>
      page.page.evaluate(() => ({
        line: getComputedStyle(document.querySelector('path.pc-line:not(.selected)')!).stroke,
        selected: getComputedStyle(document.querySelector('path.pc-line.selected')!).stroke,
        outline: getComputedStyle(document.querySelector('#runs-table tbody tr.selected')!).outlineStyle,
        text: getComputedStyle(document.body).color,
      }));
    const light = await colours();
    expect(light).toMatchObject({ line: 'rgb(26, 133, 255)', selected: 'rgb(209, 134, 22)', outline: 'none' });
    await page.setTheme('high-contrast');
    const hc = await colours();
    expect(hc.outline).toBe('dashed');
    expect(hc.text).not.toBe(light.text);
    await page.setTheme('dark');
    expect((await colours()).line).toBe('rgb(55, 148, 255)');
    await page.setTheme('light');
    await page.page.locator('#runs-table tbody tr').nth(1).locator('input[type=checkbox]').uncheck();
  });

  it('picking two runs sends “Compare curves”, which the host turns into an overlay in the curves panel', async () => {
    const compare = page.page.locator('#compare');
    expect(await compare.isDisabled()).toBe(true);
    await page.page.locator('#runs-table tbody tr').nth(0).locator('input[type=checkbox]').check();
    expect(await compare.isDisabled()).toBe(true);
    await page.page.locator('#runs-table tbody tr').nth(3).locator('input[type=checkbox]').check();
    const ids = await page.page.locator('#runs-table tbody tr').evaluateAll((trs) => [trs[0], trs[3]].map((tr) => (tr as HTMLElement).dataset.id));
    await settled(page.page);
    await page.screenshot('runs-table-light');
    await compare.click();
    const m = await page.waitForMessage<{ runIds: string[] }>((x) => x.type === 'compareCurves');
    expect(m.runIds).toEqual(ids);
    const curves = vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    curves.received.fire({ type: 'ready', version: 1 });
    const init = curves.posted.find((x) => (x as CurvesToWebview).type === 'init') as Extract<CurvesToWebview, { type: 'init' }>;
    expect([init.current, ...init.compare]).toEqual(ids);
    expect(page.problems()).toEqual([]);
  });

  it('a row’s Spec opens its spec copy; Delete asks first and keeps the run when the dialog is dismissed', async () => {
    const row = page.page.locator('#runs-table tbody tr').nth(2);
    const id = (await row.getAttribute('data-id'))!;
    await row.getByRole('button', { name: /^Open the spec copy of / }).click();
    await expect.poll(() => vs.shown.at(-1)?.path).toBe(join(id, 'spec.snapshot.yaml'));
    vs.answer = () => undefined;
    await row.getByRole('button', { name: /^Delete / }).click();
    await expect.poll(() => vs.messages.at(-1)?.text).toMatch(/^Delete the run lr .+\? Its folder/);
    expect(existsSync(id)).toBe(true);
    expect(await page.page.locator('#runs-table tbody tr').count()).toBe(5);
  });
});
