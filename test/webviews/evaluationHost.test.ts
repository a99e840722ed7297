/**
 * The evaluation panel's extension side with the real training host (`registerTraining` and
 * `registerPanels` on a stand-in vscode API) and the real trainer process: before any run the
 * command says there is nothing to show; a completed run with a test split is evaluated and its
 * end notification offers "Show Evaluation", which opens the panel on that run; a run without a
 * test split is not offered it.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import { registerPanels, SHOW_EVALUATION } from '../../src/extension/panels';
import { registerTraining } from '../../src/extension/training';
import { irisSpec, ROOT, tempDir, trainerBundle } from '../trainer/helpers';
import { fakeContext, fakeVscode, Uri, type FakeTerminal } from './fakeVscode';

let bundleDir: string;
beforeAll(async () => {
  bundleDir = dirname(await trainerBundle());
}, 180_000);

const subscriptions: { dispose(): unknown }[] = [];
afterEach(() => {
  for (const d of subscriptions.splice(0)) d.dispose();
});

function host(spec: string) {
  const ws = tempDir('modelyaml-evaluation-host-');
  const specPath = join(ws, 's.model.yaml');
  writeFileSync(specPath, spec);
  const vs = fakeVscode({ origin: 'https://webview.test', workspace: ws });
  const context = fakeContext(subscriptions, bundleDir, ROOT);
  const manager = registerTraining(context as never, { appendLine: () => undefined, show: () => undefined }, { vscode: vs.api });
  const panels = registerPanels(context as never, { vscode: vs.api, training: manager, output: { appendLine: () => undefined } });
  const events: TrainerEvent[] = [];
  subscriptions.push(manager.onEvent((_, e) => events.push(e)));
  // Resolves when a panel of this kind is created (the notification's action runs after the answer).
  const created = (viewType: string) =>
    new Promise<void>((resolve) => {
      const make = vs.api.window.createWebviewPanel.bind(vs.api.window);
      (vs.api.window as { createWebviewPanel: unknown }).createWebviewPanel = (...args: Parameters<typeof make>) => {
        const p = make(...args);
        if (args[0] === viewType) resolve();
        return p;
      };
    });
  const train = async () => {
    const opened = new Promise<FakeTerminal>((resolve) => { const d = vs.terminalOpened.event((t) => { d.dispose(); resolve(t); }); });
    await vs.api.commands.executeCommand('modelyaml.train', Uri.file(specPath));
    const t = await opened;
    await t.closed;
    return t;
  };
  return { ws, specPath, vs, panels, events, created, train };
}

describe('opening the evaluation panel from the extension', () => {
  it('says there is nothing to show before a run; a completed, evaluated run’s notification offers “Show Evaluation”, which opens it', async () => {
    const h = host(irisSpec({ name: 'iris-evalhost', units: 8, test: 0.2, epochs: 2 }));
    expect(h.panels.evaluation.resolve({ specPath: h.specPath })).toEqual({ message: expect.stringMatching(/^s\.model\.yaml has no evaluated run yet/) });
    await h.vs.api.commands.executeCommand('modelyaml.showEvaluation');
    expect(h.vs.panels.map((p) => p.viewType)).toEqual(['modelyaml.evaluation']);
    h.vs.panels[0].dispose();

    const opened = h.created('modelyaml.evaluation');
    h.vs.answer = (m) => (m.items.includes(SHOW_EVALUATION) ? SHOW_EVALUATION : undefined);
    const t = await h.train();
    expect(t.exitCode).toBe(0);
    const done = h.events.find((e) => e.type === 'done') as { runDir: string };
    expect(h.vs.messages.at(-1)!.items).toEqual(['Show Curves', SHOW_EVALUATION]);
    await opened;
    expect(h.panels.evaluation.resolve({ specPath: h.specPath }).file).toBe(join(done.runDir, 'evaluation.json'));
    expect(h.panels.evaluation.panel?.viewType).toBe('modelyaml.evaluation');
  });

  it('does not offer it for a run without a test split', async () => {
    const h = host(irisSpec({ name: 'iris-evalhost-notest', units: 8, epochs: 1 }));
    const t = await h.train();
    expect(t.exitCode).toBe(0);
    expect(h.vs.messages.at(-1)!.items).toEqual(['Show Curves']);
  });
});
