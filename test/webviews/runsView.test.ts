/**
 * The Runs view and the runs table panel's host on a stand-in vscode API, over real run folders
 * made by real training: the tree by spec (and by search), its items, live refresh from the
 * training manager's events and from the file-system watcher, the context-menu commands (spec
 * copy, curves of several runs, delete with a modal confirm), and the table panel's messages.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunsToWebview } from '../../src/core/protocol/runsWebview';
import type { CurvesToWebview } from '../../src/core/protocol/webview';
import { registerPanels } from '../../src/extension/panels';
import { RUN_COMMANDS } from '../../src/extension/runs/actions';
import type { RunsNode, RunsTreeProvider } from '../../src/extension/runs/view';
import { registerTraining } from '../../src/extension/training';
import { irisSpec, ROOT, train, trainerBundle } from '../trainer/helpers';
import { trainedWorkspace, type TrainedWorkspace } from '../node/trainedRuns';
import { fakeContext, fakeVscode, Uri, type FakePanel, type FakeTerminal, type TreeItem } from './fakeVscode';

let bundleDir: string;
let t: TrainedWorkspace;
beforeAll(async () => {
  bundleDir = dirname(await trainerBundle());
  t = await trainedWorkspace();
}, 300_000);

const subscriptions: { dispose(): unknown }[] = [];
afterEach(() => {
  for (const d of subscriptions.splice(0)) d.dispose();
});

/** A copy of a run tagged as trial 0 of the search "widths" (as the search runner tags its trials). */
function searchTrial(from: string): string {
  const trial = join(t.runsRoot, 'iris', 'search-trial-0');
  if (existsSync(trial)) return trial;
  cpSync(from, trial, { recursive: true });
  const rec = JSON.parse(readFileSync(join(trial, 'run.json'), 'utf8'));
  writeFileSync(join(trial, 'run.json'), JSON.stringify({ ...rec, search: { name: 'widths', dir: '.modelyaml/searches/widths/t1', trial: 0, params: { 'model.layers[0].dense.units': 8 } } }));
  return trial;
}

function host() {
  const vs = fakeVscode({ origin: 'https://webview.test', workspace: t.ws });
  const context = fakeContext(subscriptions, bundleDir, ROOT);
  const manager = registerTraining(context as never, { appendLine: () => undefined, show: () => undefined }, { vscode: vs.api });
  const panels = registerPanels(context as never, { vscode: vs.api, training: manager, output: { appendLine: () => undefined } });
  const tree = vs.treeViews.get('modelyaml.runs')!.treeDataProvider as RunsTreeProvider;
  const item = (n: RunsNode) => tree.getTreeItem(n) as unknown as TreeItem;
  const runsOf = (spec = tree.getChildren()[0]) => tree.getChildren(spec).filter((n) => n.kind === 'run');
  const trainInVsCode = async () => {
    const opened = new Promise<FakeTerminal>((resolve) => {
      const d = vs.terminalOpened.event((x) => {
        d.dispose();
        resolve(x);
      });
    });
    await vs.api.commands.executeCommand('modelyaml.train', Uri.file(t.spec));
    await (await opened).closed;
  };
  return { vs, panels, tree, item, runsOf, trainInVsCode };
}

describe('the Runs view', () => {
  it('lists the runs by spec, each labelled by what differs, with status, backend, duration and metrics', () => {
    const h = host();
    const specs = h.tree.getChildren();
    expect(specs.map((n) => h.item(n).label)).toEqual(['iris']);
    expect(h.item(specs[0]).description).toBe('3 runs · iris.model.yaml');
    const runs = h.runsOf();
    expect(runs.map((n) => h.item(n).label)).toEqual(['lr 0.05 · units 32', 'lr 0.01 · units 16', 'lr 0.05 · units 16']);
    const first = h.item(runs[0]);
    expect(first.iconPath).toMatchObject({ id: 'pass' });
    expect(first.description).toMatch(/^\d\d-\d\d \d\d:\d\d · wasm · \d+\.\d s · val_loss [\d.]+$/);
    expect(first.tooltip).toMatch(/^lr 0\.05 · units 32 — completed: completed 2 epochs\nstarted .* · wasm · .* · 2 epochs\nloss [\d.]+ · .*test accuracy [\d.]+/);
    expect(first.contextValue).toBe('modelyamlRun evaluated completed');
  });

  it('refreshes while a run trains from VS Code (the training events) and when another process writes a run (the watcher)', async () => {
    const h = host();
    expect(h.runsOf()).toHaveLength(3);
    writeFileSync(t.spec, irisSpec({ epochs: 2, units: 64, optimizer: '{ adam: { learning_rate: 0.05 } }', test: 0.2 }));
    let changes = 0;
    h.tree.onDidChangeTreeData(() => changes++);
    await h.trainInVsCode();
    await expect.poll(() => h.runsOf().map((n) => h.item(n).label)[0], { timeout: 20_000 }).toBe('lr 0.05 · units 64');
    expect(changes).toBeGreaterThan(0);
    // A run the CLI trains: only the watcher tells.
    writeFileSync(t.spec, irisSpec({ epochs: 1, units: 8, optimizer: '{ adam: { learning_rate: 0.05 } }', test: 0.2 }));
    const { result } = await train(t.spec, { out: t.runsRoot, workspace: t.ws });
    const told = new Promise<void>((resolve) => h.tree.onDidChangeTreeData(() => resolve()));
    h.vs.fileChanged(join(result.runDir!, 'run.json'));
    await told;
    expect(h.runsOf()).toHaveLength(5);
    // A search's trial groups under its search, first among the spec's children.
    const trial = searchTrial(result.runDir!);
    h.vs.fileChanged(join(trial, 'run.json'));
    await expect.poll(() => h.tree.getChildren(h.tree.getChildren()[0])[0]?.kind, { timeout: 20_000 }).toBe('search');
    const search = h.tree.getChildren(h.tree.getChildren()[0])[0];
    expect(h.item(search).label).toBe('search widths (t1)');
    expect(h.tree.getChildren(search)).toHaveLength(1);
    expect(h.runsOf()).toHaveLength(5);
  }, 120_000);

  it('opens a run’s spec copy, overlays selected runs in the curves panel, and deletes only after the modal says Delete', async () => {
    const h = host();
    const runs = h.runsOf();
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.openSpec, runs[0]);
    expect(h.vs.shown.at(-1)!.path).toBe(join((runs[0] as { run: { id: string } }).run.id, 'spec.snapshot.yaml'));

    await h.vs.api.commands.executeCommand(RUN_COMMANDS.openCurves, runs[0], [runs[0], runs[1]]);
    const curves = h.vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    curves.received.fire({ type: 'ready', version: 1 });
    const init = curves.posted.find((m) => (m as CurvesToWebview).type === 'init') as Extract<CurvesToWebview, { type: 'init' }>;
    const ids = runs.map((n) => (n as { run: { id: string } }).run.id);
    expect(init.current).toBe(ids[0]);
    expect(init.compare).toEqual([ids[1]]);
    expect(init.runs.find((r) => r.id === ids[0])!.params).toMatchObject({ 'train.optimizer.adam.learning_rate': expect.any(Number) });

    const last = runs.at(-1)!;
    const dir = (last as { run: { id: string } }).run.id;
    h.vs.answer = () => undefined; // dismissed
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.delete, last);
    expect(existsSync(dir)).toBe(true);
    const question = h.vs.messages.at(-1)!;
    expect(question).toMatchObject({ level: 'warning', items: ['Delete'] });
    expect(question.text).toMatch(/^Delete the run .+\? Its folder \(metrics, checkpoints, exported models\) is removed from disk\.$/);
    h.vs.answer = (m) => (m.items.includes('Delete') ? 'Delete' : undefined);
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.delete, last);
    expect(existsSync(dir)).toBe(false);
    expect(h.runsOf().map((n) => (n as { run: { id: string } }).run.id)).not.toContain(dir);
    // A run still training (its trainer alive: this process stands in) is not deleted, nor asked about.
    const live = join(t.runsRoot, 'iris', 'still-training');
    cpSync(t.runs[1], live, { recursive: true });
    writeFileSync(join(live, 'run.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(live, 'run.json'), 'utf8')), status: 'running', pid: process.pid }));
    const asked = h.vs.messages.length;
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.delete, { runDir: live });
    expect(h.vs.messages.slice(asked)).toEqual([{ level: 'warning', text: `ModelYAML: a run is still training; cancel it before deleting (${live}).`, items: [] }]);
    expect(existsSync(live)).toBe(true);
    h.vs.answer = () => 'Delete';
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.delete, { runDir: live });
    expect(existsSync(live)).toBe(true);
    rmSync(live, { recursive: true });
    // Nothing outside the runs folder is deleted, whatever the argument says.
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.delete, { runDir: t.ws });
    expect(existsSync(t.spec)).toBe(true);
  }, 60_000);

  it('resumes a cancelled run from its checkpoint: only such a run says “resumable”, and the command continues it', async () => {
    const h = host();
    writeFileSync(t.spec, irisSpec({ epochs: 30, units: 12, optimizer: '{ adam: { learning_rate: 0.05 } }', test: 0.2 }));
    const cancelled = await train(t.spec, { out: t.runsRoot, workspace: t.ws }, (e, cancel) => e.type === 'epoch' && e.epoch === 2 && cancel());
    expect(cancelled.result.status).toBe('cancelled');
    h.vs.fileChanged(join(cancelled.result.runDir!, 'run.json'));
    await expect.poll(() => h.runsOf().some((n) => n.kind === 'run' && n.run.id === cancelled.result.runDir), { timeout: 20_000 }).toBe(true);
    const node = h.runsOf().find((n) => n.kind === 'run' && n.run.id === cancelled.result.runDir)!;
    expect(h.item(node).contextValue).toBe('modelyamlRun resumable');
    expect(h.item(node).iconPath).toMatchObject({ id: 'circle-slash' });
    expect(h.runsOf().filter((n) => h.item(n).contextValue!.includes('resumable'))).toHaveLength(1);
    const opened = new Promise<FakeTerminal>((resolve) => {
      const d = h.vs.terminalOpened.event((x) => {
        d.dispose();
        resolve(x);
      });
    });
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.resume, node);
    const terminal = await opened;
    expect(await terminal.closed).toBe(0);
    expect(terminal.output).toMatch(/resum/i);
    // The newest run folder (time-stamped names sort by time) is the continuation.
    const newest = readdirSync(join(t.runsRoot, 'iris')).filter((n) => /^\d{4}-/.test(n)).sort().at(-1)!;
    const resumed = JSON.parse(readFileSync(join(t.runsRoot, 'iris', newest, 'run.json'), 'utf8'));
    expect(resumed).toMatchObject({ status: 'completed', resumedFrom: expect.stringContaining(cancelled.result.runDir!) });
  }, 120_000);

  it('the runs table panel sends the group’s table, switches groups, and turns “Compare curves” into an overlay', async () => {
    searchTrial(t.runs[1]);
    const h = host();
    await h.vs.api.commands.executeCommand(RUN_COMMANDS.openTable, h.tree.getChildren()[0]);
    const panel = h.vs.panels.find((p) => p.viewType === 'modelyaml.runsTable') as FakePanel;
    panel.received.fire({ type: 'ready', version: 1 });
    const msg = panel.posted.at(-1) as Extract<RunsToWebview, { type: 'runs' }>;
    expect(msg.type).toBe('runs');
    expect(msg.group).toBe(`spec:${t.spec}`);
    expect(msg.groups.map((g) => g.title)).toEqual(['iris', 'search widths (t1)']);
    expect(msg.table.params).toContain('model.layers[0].dense.units');
    expect(panel.title).toBe('Runs: iris');
    panel.received.fire({ type: 'showGroup', group: msg.groups[1].key });
    expect((panel.posted.at(-1) as Extract<RunsToWebview, { type: 'runs' }>).table.runs).toHaveLength(1);
    panel.received.fire({ type: 'showGroup', group: msg.group });
    const ids = msg.table.runs.map((r) => r.id);
    panel.received.fire({ type: 'compareCurves', runIds: [ids[1], ids[2], '/etc'] });
    const curves = h.vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    curves.received.fire({ type: 'ready', version: 1 });
    const init = curves.posted.find((m) => (m as CurvesToWebview).type === 'init') as Extract<CurvesToWebview, { type: 'init' }>;
    expect([init.current, ...init.compare]).toEqual([ids[1], ids[2]]);

    // After a window reload the panel comes back on the group its webview's state names (not the newest).
    panel.dispose();
    const restored = h.vs.newPanel('modelyaml.runsTable');
    await h.vs.serializers.get('modelyaml.runsTable')!.deserializeWebviewPanel(restored, { v: 1, filter: '', hidden: [], group: msg.groups[1].key });
    restored.received.fire({ type: 'ready', version: 1 });
    const back = restored.posted.at(-1) as Extract<RunsToWebview, { type: 'runs' }>;
    expect(back.group).toBe(msg.groups[1].key);
    expect(back.table.runs).toHaveLength(1);
    expect(restored.title).toBe('Runs: widths (t1)');
  }, 60_000);
});
