/**
 * The curves panel's "Resume" button, end to end: the real training host (`registerTraining`) and
 * panels (`registerPanels`) on a stand-in vscode API, the real trainer process training a small
 * model, and the built curves bundle in headless Chromium. A cancelled run with a checkpoint offers
 * the button; pressing it (from the keyboard) resumes the run at epoch 2; a completed run, or any
 * run while one trains, offers none.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import type { RunInfo } from '../../src/core/protocol/webview';
import { registerPanels } from '../../src/extension/panels';
import { LoadedRun } from '../../src/node/runFolders';
import { registerTraining } from '../../src/extension/training';
import { irisSpec, ROOT, tempDir, trainerBundle } from '../trainer/helpers';
import { fakeContext, fakeVscode, Uri, type FakeTerminal } from './fakeVscode';
import { recorded } from './fixtures/runs';
import { connectPanel, launchChromium, openPanel, settled, startServer, type PanelPage, type StaticServer } from './harness';

const spec = irisSpec({ name: 'iris-resume', units: 8, epochs: 2 });

let browser: Browser;
let server: StaticServer;
let bundleDir: string;
const pages: PanelPage[] = [];
const subscriptions: { dispose(): unknown }[] = [];

beforeAll(async () => {
  bundleDir = dirname(await trainerBundle());
  browser = await launchChromium();
  server = await startServer();
}, 180_000);

afterAll(async () => {
  for (const d of subscriptions.splice(0)) d.dispose();
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

/** What the banner shows: the run's status and whether "Resume" is offered (and can be pressed). */
const banner = (p: PanelPage) =>
  p.page.evaluate(() => {
    const b = document.getElementById('resume-run');
    return {
      status: document.getElementById('run-status')?.dataset.status,
      resume: !!b && !b.hasAttribute('hidden') && getComputedStyle(b).display !== 'none',
      disabled: !!b?.hasAttribute('disabled'),
      label: b?.getAttribute('aria-label') ?? null,
    };
  });

describe('the Resume button of the curves panel', () => {
  it('a cancelled run with a checkpoint offers it; pressing it resumes the run at epoch 2; the completed run offers none', async () => {
    const ws = tempDir('modelyaml-resume-');
    const specPath = join(ws, 's.model.yaml');
    writeFileSync(specPath, spec);
    const vs = fakeVscode({ origin: server.origin, workspace: ws });
    const context = fakeContext(subscriptions, bundleDir, ROOT);
    const manager = registerTraining(context as never, { appendLine: () => undefined, show: () => undefined }, { vscode: vs.api });
    registerPanels({ subscriptions, extensionUri: Uri.file(ROOT) } as never, { vscode: vs.api, training: manager, output: { appendLine: () => undefined } });
    const events: TrainerEvent[] = [];
    subscriptions.push(manager.onEvent((_, e) => events.push(e)));
    const nextTerminal = () => new Promise<FakeTerminal>((resolve) => { const d = vs.terminalOpened.event((t) => { d.dispose(); resolve(t); }); });

    // Train, and press Ctrl+C once epoch 1's checkpoint is saved: the run ends cancelled, resumable.
    const opened = nextTerminal();
    await vs.api.commands.executeCommand('modelyaml.train', Uri.file(specPath));
    const first = await opened;
    subscriptions.push(manager.onEvent((_, e) => e.type === 'checkpoint' && e.kind === 'last' && e.epoch === 1 && first.type('\u0003')));
    expect(await first.closed).toBe(0);
    const cancelled = (events.find((e) => e.type === 'done') as { runDir: string; status: string });
    expect(cancelled.status).toBe('cancelled');
    expect(LoadedRun.read(cancelled.runDir).info()).toMatchObject({ resumable: true });

    // The panel opened on the run as it started; its page shows the cancelled run and offers "Resume".
    const panel = vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    const page = await connectPanel(browser, server, 'curves', panel);
    pages.push(page);
    await page.page.waitForFunction(() => document.getElementById('run-status')?.dataset.status === 'cancelled');
    await settled(page.page);
    expect(await banner(page)).toMatchObject({ status: 'cancelled', resume: true, disabled: false, label: expect.stringMatching(/^Resume iris-resume .* from its last checkpoint$/) });

    // Keyboard: Tab reaches the button (it follows the toolbar's controls), Enter presses it.
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'resume-run'; i++) {
      await page.page.keyboard.press('Tab');
      focused = await page.page.evaluate(() => document.activeElement?.id ?? '');
    }
    expect(focused).toBe('resume-run');
    const resumed = nextTerminal();
    const hostGot = new Promise<unknown>((resolve) => { const d = panel.received.event((m) => { if ((m as { type: string }).type === 'resume') { d.dispose(); resolve(m); } }); });
    await page.page.keyboard.press('Enter');
    expect(await hostGot).toEqual({ type: 'resume', runId: cancelled.runDir });

    // The host resumed the run: a new run starts at epoch 2 and completes.
    const r = await resumed;
    expect(r.name).toBe('resume s.model.yaml');
    expect(await r.closed).toBe(0);
    expect(events.filter((e) => e.type === 'started').map((e) => e.type === 'started' && e.initialEpoch)).toEqual([1, 2]);
    const done = events.filter((e) => e.type === 'done') as { runDir: string; status: string }[];
    expect(done.map((e) => e.status)).toEqual(['cancelled', 'completed']);

    // The panel follows the resumed run; completed, it offers no "Resume".
    await panel.delivered();
    await page.page.waitForFunction((dir) => {
      const s = (window as unknown as { modelyamlCurves: { state(): { runId?: string } } }).modelyamlCurves.state();
      return s.runId === dir && document.getElementById('run-status')?.dataset.status === 'completed';
    }, done[1].runDir);
    await settled(page.page);
    expect(await banner(page)).toMatchObject({ status: 'completed', resume: false });
    expect(page.received.filter((m) => (m as { type: string }).type === 'resume')).toHaveLength(1);
    expect(page.problems()).toEqual([]);
  }, 180_000);

  it('is not offered while a run of the spec trains, and a double press asks once', async () => {
    const page = await openPanel(browser, server, 'curves');
    pages.push(page);
    await page.waitForMessage((m) => m.type === 'ready');
    const base = LoadedRun.read(recorded.cancelled).info();
    const cancelled: RunInfo = { ...base, resumable: true };
    const running: RunInfo = { ...base, id: `${base.id}-live`, status: 'running', startedAt: '2026-11-27T10:00:00.000Z' };
    const show = async (runs: RunInfo[]) => {
      await page.send({ type: 'init', runs, current: cancelled.id, compare: [] });
      await page.send({ type: 'runData', run: cancelled, points: [] });
      await settled(page.page);
    };

    // Another run of the spec is training: resuming now would be refused, so no button.
    await show([running, cancelled]);
    expect(await banner(page)).toMatchObject({ status: 'cancelled', resume: false });
    await show([cancelled]);
    expect(await banner(page)).toMatchObject({ status: 'cancelled', resume: true, disabled: false });

    // Two presses before the host answers: one request, and the button waits for the host.
    await page.page.click('#resume-run');
    await page.page.click('#resume-run', { force: true });
    await page.waitForMessage((m) => m.type === 'resume');
    await settled(page.page);
    expect(await banner(page)).toMatchObject({ resume: true, disabled: true });
    expect(page.received.filter((m) => (m as { type: string }).type === 'resume')).toEqual([{ type: 'resume', runId: cancelled.id }]);
    // The host's next word on the runs (here: nothing changed, e.g. it refused) enables it again.
    await show([cancelled]);
    expect(await banner(page)).toMatchObject({ resume: true, disabled: false });
    expect(page.problems()).toEqual([]);
  });
});
