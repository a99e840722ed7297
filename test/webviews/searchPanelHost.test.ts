/**
 * The search panel's host on a stand-in vscode API, over journals written by the journal module:
 * "Apply best" writes the best trial's values into the spec as one WorkspaceEdit over the span that
 * changes (comments kept, the file on disk untouched until saved) and one Undo takes it back; the
 * edge cases say why nothing was edited; Run Search opens the panel once the new search's journal
 * appears; a damaged journal is reported with its file and line.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SearchToWebview } from '../../src/core/protocol/searchWebview';
import { applyTrialParams } from '../../src/core/search/apply';
import { JOURNAL_VERSION } from '../../src/core/search/journal';
import type { SearchSettings, TrialParams } from '../../src/core/search/types';
import { registerPanels, type Panels } from '../../src/extension/panels';
import { SHOW_SEARCH_COMMAND } from '../../src/extension/panels/searchPanel';
import { registerSearch, RUN_SEARCH_COMMAND } from '../../src/extension/search';
import { createSearchDir, JournalWriter } from '../../src/node/search/journal';
import { fakeVscode, memoryLog, Uri, type FakePanel, type FakeVscode } from './fakeVscode';
import { root } from './harness';

const LR = 'train.optimizer.adam.learning_rate';
const UNITS = 'model.layers.hidden.units';
const SPEC = `# A small classifier. This comment stays.
version: 1
name: host-search
data:
  source: { dataset: iris }
  pipeline: [standardize, { one_hot: 3 }]
model:
  input: [4]
  layers:
    - dense: { units: 16, activation: relu }   # searched
      name: hidden
    - dense: { units: 3, activation: softmax }
train:
  loss: categorical_crossentropy
  optimizer: { adam: { learning_rate: 0.001 } }
  epochs: 3
search:
  metric: val_loss
  trials: 3
  space:
    ${LR}: { loguniform: [1.0e-4, 1.0e-1] }
    ${UNITS}: { choice: [8, 32] }
`;

const settings: SearchSettings = {
  metric: 'val_loss', goal: 'minimize', trials: 3, parallel: 1, sampler: 'random', pruner: { kind: 'none' }, seed: 1,
  space: [{ path: LR, dist: { kind: 'loguniform', low: 1e-4, high: 0.1 } }, { path: UNITS, dist: { kind: 'choice', values: [8, 32] } }],
};

const subscriptions: { dispose(): unknown }[] = [];
afterEach(() => {
  for (const d of subscriptions.splice(0)) d.dispose();
});

/** A workspace with the spec and a finished search of it: trial 1 (lr 0.02, 32 units) is the best. */
function workspace(trials: { params: TrialParams; value: number }[] = [
  { params: { [LR]: 0.0005, [UNITS]: 8 }, value: 0.61 },
  { params: { [LR]: 0.02, [UNITS]: 32 }, value: 0.18 },
  { params: { [LR]: 0.08, [UNITS]: 8 }, value: 0.4 },
]): { ws: string; spec: string; dir: string; vs: FakeVscode; panels: Panels } {
  const ws = mkdtempSync(join(tmpdir(), 'modelyaml-search-panel-host-'));
  const spec = join(ws, 'net.model.yaml');
  writeFileSync(spec, SPEC);
  const dir = createSearchDir(ws, 'host-search');
  const w = new JournalWriter(dir);
  w.append({ type: 'study', time: 1, version: JOURNAL_VERSION, name: 'host-search', spec, specHash: 'x', settings });
  trials.forEach((t, number) => {
    w.append({ type: 'trial', time: 2, number, params: t.params });
    for (let epoch = 1; epoch <= 3; epoch++) w.append({ type: 'epoch', time: 3, number, epoch, value: t.value + (3 - epoch) * 0.1 });
    w.append({ type: 'complete', time: 4, number, value: t.value, epochs: 3 });
  });
  w.append({ type: 'finished', time: 5, best: 1 });
  const vs = fakeVscode({ origin: 'https://webview.test', workspace: ws });
  const context = { subscriptions, extensionUri: Uri.file(root) };
  const panels = registerPanels(context as never, { vscode: vs.api, output: memoryLog(vs.logs), runsRoots: () => [join(ws, '.modelyaml', 'runs')] });
  return { ws, spec, dir, vs, panels };
}

async function openPanel(vs: FakeVscode): Promise<FakePanel> {
  await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND);
  const panel = vs.panels.find((p) => p.viewType === 'modelyaml.search')!;
  panel.received.fire({ type: 'ready', version: 1 });
  return panel;
}

const lastView = (panel: FakePanel) => panel.posted.filter((m) => (m as SearchToWebview).type === 'search').pop() as Extract<SearchToWebview, { type: 'search' }> | undefined;

describe('Apply best', () => {
  it('writes the best trial’s values as one WorkspaceEdit over the changed span; one Undo restores the spec', async () => {
    const { spec, vs } = workspace();
    const panel = await openPanel(vs);
    expect(lastView(panel)!.view.best).toBe(1);
    panel.received.fire({ type: 'applyTrial', number: 1 });
    await expect.poll(() => vs.edits.applied.length).toBe(1);

    const doc = vs.documents.get(Uri.file(spec).toString())!;
    const expected = applyTrialParams(SPEC, { [LR]: 0.02, [UNITS]: 32 });
    expect(doc.getText()).toBe(expected);
    expect(doc.getText()).toContain('- dense: { units: 32, activation: relu }   # searched');
    expect(doc.getText()).toContain('optimizer: { adam: { learning_rate: 0.02 } }');
    expect(doc.getText()).toContain('# A small classifier. This comment stays.');
    // One edit, one replacement, spanning only what changed (from the units to the learning rate).
    const [edit] = vs.edits.applied;
    expect(edit.replacements).toHaveLength(1);
    const { range } = edit.replacements[0];
    expect(range.start.line).toBe(9);
    expect(range.end.line).toBe(14);
    // The editor shows it, unsaved: the file on disk is as it was.
    expect(vs.shown.map((s) => s.path)).toContain(spec);
    expect(readFileSync(spec, 'utf8')).toBe(SPEC);

    expect(vs.edits.undo()).toBe(true);
    expect(doc.getText()).toBe(SPEC);
    expect(vs.edits.undo()).toBe(false);
  });

  it('says so and edits nothing when the spec already has the values, or names the path it cannot set', async () => {
    const { spec, vs } = workspace([
      { params: { [LR]: 0.001, [UNITS]: 16 }, value: 0.3 },
      { params: { 'model.layers.gone.units': 8 }, value: 0.5 },
    ]);
    const panel = await openPanel(vs);
    panel.received.fire({ type: 'applyTrial', number: 0 });
    await expect.poll(() => vs.messages.length).toBe(1);
    expect(vs.messages[0]).toMatchObject({ level: 'info', text: "ModelYAML: net.model.yaml already has trial 0's values." });
    panel.received.fire({ type: 'applyTrial', number: 1 });
    await expect.poll(() => vs.messages.length).toBe(2);
    expect(vs.messages[1].level).toBe('error');
    expect(vs.messages[1].text).toContain(spec);
    expect(vs.messages[1].text).toContain('`model.layers.gone.units`');
    expect(vs.edits.applied).toHaveLength(0);
    // A number the journal does not have is ignored.
    panel.received.fire({ type: 'applyTrial', number: 7 });
    expect(vs.edits.applied).toHaveLength(0);
  });
});

describe('the search panel host', () => {
  it('Run Search opens the panel on the search it starts, once its journal appears, and follows it', async () => {
    const { ws, spec, vs, panels } = workspace();
    // The command starts the task (a CLI that is not there: its terminal says so and closes); the
    // panel waits for this spec's next journal, as it does while the real CLI starts.
    subscriptions.push(...registerSearch({ api: vs.api, cliPath: join(ws, 'no-cli.js'), onStarted: (s) => panels.search.follow(s) }));
    await vs.api.commands.executeCommand(RUN_SEARCH_COMMAND, Uri.file(spec));
    expect(vs.terminals[0].output).toContain('needs the ModelYAML CLI');
    const before = vs.panels.length;
    const dir = createSearchDir(ws, 'host-search');
    const w = new JournalWriter(dir);
    w.append({ type: 'study', time: 1, version: JOURNAL_VERSION, name: 'host-search', spec, specHash: 'y', settings });
    vs.fileChanged(join(dir, 'journal.jsonl'));
    expect(panels.search.folder).toBe(dir);
    expect(vs.panels.length).toBe(before + 1);
    const panel = vs.panels.filter((p) => p.viewType === 'modelyaml.search').pop()!;
    panel.received.fire({ type: 'ready', version: 1 });
    expect(lastView(panel)!.view.trials).toEqual([]);
    w.append({ type: 'trial', time: 2, number: 0, params: { [LR]: 0.01, [UNITS]: 8 } });
    vs.fileChanged(join(dir, 'journal.jsonl'));
    await expect.poll(() => lastView(panel)!.view.trials.length).toBe(1);
    expect(lastView(panel)!.view.trials[0].state).toBe('running');
  });

  it('Show Search… picks among the searches from the palette, and opens a Runs view search node on its newest search', async () => {
    const { ws, spec, dir, vs, panels } = workspace();
    const newer = createSearchDir(ws, 'host-search');
    new JournalWriter(newer).append({ type: 'study', time: 9, version: JOURNAL_VERSION, name: 'host-search', spec, specHash: 'z', settings });
    let offered: string[] = [];
    vs.pick = (items) => {
      offered = items.map((i) => (i as { detail?: string }).detail ?? '');
      return items[1];
    };
    await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND);
    expect(offered).toEqual([newer, dir].map((d) => d.slice(ws.length + 1)));
    expect(panels.search.folder).toBe(dir);
    await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND, { kind: 'search', group: { key: 'search:x', spec, search: 'host-search', title: 'host-search', runs: [] } });
    expect(panels.search.folder).toBe(newer);
    await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND, { kind: 'search', group: { key: 'search:y', spec, search: 'other', title: 'other', runs: [] } });
    expect(vs.messages.pop()?.text).toBe('ModelYAML: no journal of the search other is left in .modelyaml/searches.');
    expect(panels.search.folder).toBe(newer);
    // One panel, revealed again; once closed, the next Show Search makes a new one.
    const searchPanels = () => vs.panels.filter((p) => p.viewType === 'modelyaml.search');
    expect(searchPanels()).toHaveLength(1);
    searchPanels()[0].dispose();
    await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND, { searchDir: dir });
    expect(searchPanels()).toHaveLength(2);
    expect(panels.search.panel).toBe(searchPanels()[1]);
    expect(panels.search.folder).toBe(dir);

    // After a window reload the panel comes back on the search its webview's state names, not the newest.
    await vs.api.commands.executeCommand(SHOW_SEARCH_COMMAND, { searchDir: newer });
    expect(panels.search.folder).toBe(newer);
    searchPanels()[1].dispose();
    const restored = vs.newPanel('modelyaml.search');
    await vs.serializers.get('modelyaml.search')!.deserializeWebviewPanel(restored, { v: 1, selected: [], folder: dir.slice(ws.length + 1) });
    expect(panels.search.panel).toBe(restored);
    expect(panels.search.folder).toBe(dir);
    await vs.serializers.get('modelyaml.search')!.deserializeWebviewPanel(vs.newPanel('modelyaml.search'), { v: 1, selected: [], folder: '.modelyaml/searches/gone/t9' });
    expect(panels.search.folder).toBe(dir); // a search no longer there: the one it had
  });

  it('reports a damaged journal with its file and line', async () => {
    const { dir, vs } = workspace();
    appendFileSync(join(dir, 'journal.jsonl'), '{"type":"epoch","number":"x"}\n{"type":"finished","time":6}\n');
    const panel = await openPanel(vs);
    const m = panel.posted.find((x) => (x as SearchToWebview).type === 'empty') as { message: string };
    expect(m.message.startsWith(`${join(dir, "journal.jsonl")}:18: invalid \`epoch\` journal event`)).toBe(true);
  });
});
