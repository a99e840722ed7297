/**
 * The search panel end to end: a real search (`modelyaml search` through the built CLI: 8 trials
 * of a tiny iris spec, ASHA pruning two of them), the panel's host on a stand-in vscode API reading
 * its journal, the built bundle in headless Chromium under the extension's CSP. The table, brushing
 * an axis, the best-so-far line, the importance, opening and comparing trials, the journal growing
 * while the panel is open, and screenshots in light and dark.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurvesToWebview } from '../../src/core/protocol/webview';
import { applyTrialParams } from '../../src/core/search/apply';
import { bestSoFar, paramImportance } from '../../src/core/search/importance';
import type { Study } from '../../src/core/search/journal';
import { registerPanels } from '../../src/extension/panels';
import { SHOW_SEARCH_COMMAND } from '../../src/extension/panels/searchPanel';
import { readJournal, searchDirs } from '../../src/node/search/journal';
import { runCli } from '../cli/run';
import { irisSpec } from '../trainer/helpers';
import { fakeVscode, memoryLog, Uri, type FakeVscode } from './fakeVscode';
import { connectPanel, launchChromium, root, settled, startServer, type PanelPage, type StaticServer } from './harness';

const LR = 'train.optimizer.sgd.learning_rate';
const UNITS = 'model.layers[0].dense.units';
const SPEC = `${irisSpec({ name: 'iris-panel', optimizer: '{ sgd: { learning_rate: 0.01 } }' })}
search:
  metric: val_loss
  trials: 8
  parallel: 2
  sampler: random
  pruner: { asha: { min_epochs: 2, reduction: 2 } }
  seed: 2
  space:
    ${LR}: { loguniform: [1.0e-3, 0.3] }
    ${UNITS}: { choice: [4, 8, 16] }
`;

let browser: Browser;
let server: StaticServer;
let vs: FakeVscode;
let page: PanelPage;
let ws: string;
let dir: string;
let study: Study;

const shown = () => page.page.locator('#trials tbody tr').evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.trial)));

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'modelyaml-search-panel-'));
  writeFileSync(join(ws, 'iris.model.yaml'), SPEC);
  const r = await runCli(['search', 'iris.model.yaml'], { cwd: ws });
  expect(r.code, r.err + r.out).toBe(0);
  dir = searchDirs(ws)[0];
  study = readJournal(dir).study;
  browser = await launchChromium();
  server = await startServer();
  vs = fakeVscode({ origin: server.origin, workspace: ws });
  const context = { subscriptions: [] as { dispose(): void }[], extensionUri: Uri.file(root) };
  registerPanels(context as never, { vscode: vs.api, output: memoryLog(vs.logs), runsRoots: () => [join(ws, '.modelyaml', 'runs')] });
  await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND);
  const panel = vs.panels.find((p) => p.viewType === 'modelyaml.search')!;
  page = await connectPanel(browser, server, 'search', panel, { theme: 'light', viewport: { width: 1280, height: 900 } });
  await page.page.waitForSelector('#trials tbody tr');
  await settled(page.page);
}, 300_000);

afterAll(async () => {
  await page?.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('the search panel', () => {
  it('the search ran as the test needs it: complete and pruned trials', () => {
    const states = study.trials.map((t) => t.state);
    expect(states).toHaveLength(8);
    expect(states.filter((s) => s === 'complete').length).toBeGreaterThanOrEqual(4);
    expect(states).toContain('pruned');
  });

  it('shows a row per trial: parameters, status, metric, epochs run and why pruned, as the journal replays', async () => {
    expect(await shown()).toEqual(study.trials.map((t) => t.number));
    // The search shown is kept in the webview's state, for the serializer after a reload.
    expect(await page.savedState()).toMatchObject({ folder: expect.stringMatching(/^\.modelyaml[\\/]searches[\\/]/) });
    const rows = await page.page.locator('#trials tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.trim())),
    );
    study.trials.forEach((t, i) => {
      // [select, trial, lr, units, status, metric, epochs, why, actions]
      const [, num, lr, units, status, metric, epochs, why] = rows[i];
      expect(num.replace(' ★', '')).toBe(`#${t.number}`);
      expect(Number(lr)).toBeCloseTo(t.params[LR] as number, 3);
      expect(units).toBe(String(t.params[UNITS]));
      expect(status).toBe(t.state);
      expect(Number(epochs)).toBe(t.intermediate.length);
      if (t.state === 'complete') expect(Number(metric)).toBeCloseTo(t.value!, 3);
      if (t.state === 'pruned') {
        expect(metric).toMatch(new RegExp(`\\(epoch ${t.intermediate.length}\\)$`));
        expect(why).toBe(t.reason);
      }
    });
    const best = study.trials.filter((t) => t.state === 'complete').sort((a, b) => a.value! - b.value!)[0];
    expect(await page.page.locator('#trials tbody tr.best').getAttribute('data-trial')).toBe(String(best.number));
    expect(await page.page.locator('#apply-best').innerText()).toBe(`Apply best (trial ${best.number})`);
    expect(await page.page.locator('#count').innerText()).toBe('8 of 8 trials');
    expect(page.problems()).toEqual([]);
    expect(page.strayRequests()).toEqual([]);
  });

  it('brushing a parallel-coordinates axis filters the table; Escape clears it', async () => {
    const axis = page.page.locator(`g.pc-axis[data-axis="param:${UNITS}"] rect.pc-hit`);
    const box = (await axis.boundingBox())!;
    const x = box.x + box.width / 2;
    // The top of the units axis (4 → 16): only the trials with 16 units.
    await page.page.mouse.move(x, box.y + 2);
    await page.page.mouse.down();
    await page.page.mouse.move(x, box.y + box.height * 0.25, { steps: 4 });
    await page.page.mouse.up();
    const wide = study.trials.filter((t) => t.params[UNITS] === 16).map((t) => t.number);
    expect(wide.length).toBeGreaterThan(0);
    expect(wide.length).toBeLessThan(8);
    expect(await shown()).toEqual(wide);
    expect(await page.page.locator('path.pc-line.faded').count()).toBe(8 - wide.length);
    await page.page.locator(`g.pc-axis[data-axis="param:${UNITS}"]`).focus();
    await page.page.keyboard.press('Escape');
    expect(await shown()).toHaveLength(8);
  });

  it('draws both charts again when the panel narrows, keeping an axis filter (↑ on a focused axis)', async () => {
    const pcWidth = () => page.page.locator('#pc svg').getAttribute('width').then(Number);
    const plotWidth = () => page.page.locator('#metric-chart canvas').evaluate((c) => (c as HTMLCanvasElement).getBoundingClientRect().width);
    const [pc0, plot0] = [await pcWidth(), await plotWidth()];
    await page.page.locator(`g.pc-axis[data-axis="param:${UNITS}"]`).focus();
    await page.page.keyboard.press('ArrowUp');
    const wide = study.trials.filter((t) => t.params[UNITS] === 16).map((t) => t.number);
    expect(await shown()).toEqual(wide);
    await page.page.setViewportSize({ width: 760, height: 900 });
    await expect.poll(pcWidth).toBeLessThan(pc0);
    await expect.poll(plotWidth).toBeLessThan(plot0);
    expect(await shown()).toEqual(wide);
    await page.page.locator(`g.pc-axis[data-axis="param:${UNITS}"]`).focus();
    await page.page.keyboard.press('Escape');
    await page.page.setViewportSize({ width: 1280, height: 900 });
    await expect.poll(pcWidth).toBe(pc0);
    expect(await shown()).toHaveLength(8);
  });

  it('draws the metric by trial with the best-so-far line', async () => {
    const chart = page.page.locator('#metric-chart');
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await chart.getAttribute('data-series')).toBe('complete,pruned (last epoch),best so far');
    const expected = bestSoFar(study.trials, 'minimize').map((v) => v ?? null);
    expect(JSON.parse((await chart.getAttribute('data-best-so-far'))!)).toEqual(expected);
    // The line only goes down, and ends at the best trial's value.
    const finite = expected.filter((v): v is number => v !== null);
    expect(finite).toEqual([...finite].sort((a, b) => b - a));
    expect(await page.page.locator('#metric-caption').innerText()).toContain(`Best so far: val_loss`);
  });

  it('shows each parameter’s importance, with its method in words', async () => {
    const imp = paramImportance(study.settings.space, study.trials);
    const items = await page.page.locator('#importance-list li').evaluateAll((lis) => lis.map((li) => [(li as HTMLElement).dataset.param, (li.querySelector('.imp-value') as HTMLElement).innerText]));
    expect(items).toEqual(imp.params.map((p) => [p.path, `${Math.round(p.value * 100)}%`]));
    expect(await page.page.locator('#importance-method').innerText()).toMatch(/^Method: ε² \(the correlation ratio η² corrected for the number of bins\)/);
    expect(await page.page.locator('#importance-note').innerText()).toBe(`From ${imp.trials} complete trials.`);
  });

  it('clicking a trial opens its curves and its spec copy', async () => {
    const t = study.trials.find((x) => x.state === 'pruned')!;
    await page.page.locator(`#trials tbody tr[data-trial="${t.number}"] button.open-trial`).click();
    expect(await page.waitForMessage((m) => m.type === 'openTrial')).toEqual({ type: 'openTrial', number: t.number });
    const runDir = resolve(dir, t.runDir!);
    await expect.poll(() => vs.shown.map((s) => s.path)).toContain(join(runDir, 'spec.snapshot.yaml'));
    const curves = vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    curves.received.fire({ type: 'ready', version: 1 });
    const init = curves.posted.find((x) => (x as CurvesToWebview).type === 'init') as Extract<CurvesToWebview, { type: 'init' }>;
    expect(init.current).toBe(runDir);
  });

  it('ticking trials and “Compare curves” overlays them in the curves panel; screenshots light and dark', async () => {
    const pick = study.trials.filter((t) => t.state === 'complete').slice(0, 2);
    for (const t of pick) await page.page.locator(`#trials tbody tr[data-trial="${t.number}"] input[type=checkbox]`).check();
    await settled(page.page);
    await page.screenshot('search-light');
    await page.setTheme('dark');
    await settled(page.page);
    await page.screenshot('search-dark');
    await page.setTheme('light');
    const curves = vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    const before = curves.posted.length;
    await page.page.locator('#compare').click();
    expect(await page.waitForMessage((m) => m.type === 'compareTrials')).toEqual({ type: 'compareTrials', numbers: pick.map((t) => t.number) });
    await expect.poll(() => curves.posted.slice(before).some((x) => (x as CurvesToWebview).type === 'init')).toBe(true);
    const init = curves.posted.slice(before).find((x) => (x as CurvesToWebview).type === 'init') as Extract<CurvesToWebview, { type: 'init' }>;
    expect([init.current, ...init.compare]).toEqual(pick.map((t) => resolve(dir, t.runDir!)));
    expect(page.problems()).toEqual([]);
  });

  it('“Apply best” asks the host, which writes the best trial’s values into the spec as one undoable edit', async () => {
    const best = study.trials.filter((t) => t.state === 'complete').sort((a, b) => a.value! - b.value!)[0];
    await page.page.locator('#apply-best').click();
    expect(await page.waitForMessage((m) => m.type === 'applyTrial')).toEqual({ type: 'applyTrial', number: best.number });
    await expect.poll(() => vs.edits.applied.length).toBe(1);
    const doc = vs.documents.get(Uri.file(join(ws, 'iris.model.yaml')).toString())!;
    expect(doc.getText()).toBe(applyTrialParams(SPEC, best.params));
    expect(doc.getText()).not.toBe(SPEC);
    expect(vs.edits.undo()).toBe(true);
    expect(doc.getText()).toBe(SPEC);
  });

  it('follows the journal as it grows (the watcher re-sends the replayed study)', async () => {
    const file = join(dir, 'journal.jsonl');
    const full = readFileSync(file, 'utf8');
    const lines = full.trimEnd().split('\n');
    // The journal as it was when the third trial had just started.
    const third = lines.findIndex((l) => l.includes('"type":"trial"') && l.includes('"number":2,'));
    writeFileSync(file, lines.slice(0, third + 1).join('\n') + '\n');
    vs.fileChanged(file);
    await expect.poll(shown).toEqual([0, 1, 2]);
    expect(await page.page.locator('#trials tbody tr[data-trial="2"] td.status').innerText()).toBe('running');
    expect(await page.page.locator('#summary').innerText()).toMatch(/running$/);
    writeFileSync(file, full);
    vs.fileChanged(file);
    await expect.poll(shown).toHaveLength(8);
    expect(await page.page.locator('#summary').innerText()).toMatch(/finished$/);
  });
});
