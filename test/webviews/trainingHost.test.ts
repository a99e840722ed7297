/**
 * Training from the editor, end to end on a stand-in vscode API: the real task provider, commands,
 * pseudoterminal and training manager (`registerTraining`), the real client and trainer process
 * (a bundle of the current sources) training a small model. How a run ends (notification, exit
 * code, terminal), failures that must not leave a spec "in progress", resume, Workspace Trust,
 * the `.gitignore` offer, what a run folder holds, and the walkthrough's context keys.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analyze';
import type { TrainerEvent } from '../../src/core/protocol/trainer';
import { GITIGNORE_OFFERED_KEY, ignores, withRunsIgnored } from '../../src/extension/gitignore';
import { registerPanels } from '../../src/extension/panels';
import { fileDataHost } from '../../src/node/dataHost';
import { LoadedRun } from '../../src/node/runFolders';
import { newFromTemplate } from '../../src/extension/templates';
import { registerTraining, SPEC_SEARCH_EXCLUDE, type TrainingManager } from '../../src/extension/training';
import { hoverMiddleware, WALKTHROUGH_KEYS, trackWalkthrough } from '../../src/extension/walkthrough';
import { irisSpec, ROOT, tempDir, trainerBundle } from '../trainer/helpers';
import { fakeVscode, Uri, type FakeTerminal, type FakeVscode } from './fakeVscode';

let bundleDir: string;
beforeAll(async () => {
  bundleDir = dirname(await trainerBundle());
}, 180_000);

const iris = (epochs = 3) => irisSpec({ name: 'iris-host', units: 8, test: 0.1, epochs });

interface Host {
  vs: FakeVscode;
  ws: string;
  spec: string;
  config: Record<string, unknown>;
  manager: TrainingManager;
  output: string[];
  state: Map<string, unknown>;
  subscriptions: { dispose(): unknown }[];
  /** Runs the Train command and resolves with the task terminal once it closed. */
  train(uri?: string): Promise<FakeTerminal>;
  /** The next task terminal that opens. */
  nextTerminal(): Promise<FakeTerminal>;
  /** Runs the Train command, presses Ctrl+C in its terminal once the first "last" checkpoint is saved, and resolves once it closed. */
  trainAndCancel(): Promise<FakeTerminal>;
}

const hosts: Host[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) for (const d of h.subscriptions.splice(0)) d.dispose();
});

function host(o: { trusted?: boolean; git?: boolean; epochs?: number } = {}): Host {
  const ws = tempDir('modelyaml-host-');
  const spec = join(ws, 's.model.yaml');
  writeFileSync(spec, iris(o.epochs));
  if (o.git) mkdirSync(join(ws, '.git'));
  const config: Record<string, unknown> = {};
  const vs = fakeVscode({ origin: 'https://webview.test', workspace: ws, config, trusted: o.trusted });
  const output: string[] = [];
  const state = new Map<string, unknown>();
  const subscriptions: { dispose(): unknown }[] = [];
  const context = {
    subscriptions,
    asAbsolutePath: (p: string) => join(bundleDir, p.replace(/^dist\/?/, '')),
    workspaceState: { get: <T>(k: string) => state.get(k) as T, update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] },
    extensionUri: Uri.file(ROOT),
  };
  const manager = registerTraining(context as never, { appendLine: (l: string) => output.push(l), show: () => undefined }, { vscode: vs.api });
  const nextTerminal = () => new Promise<FakeTerminal>((resolve) => { const d = vs.terminalOpened.event((t) => { d.dispose(); resolve(t); }); });
  const h: Host = {
    vs, ws, spec, config, manager, output, state, subscriptions, nextTerminal,
    async train(uri = spec) {
      const opened = nextTerminal();
      await vs.api.commands.executeCommand('modelyaml.train', Uri.file(uri));
      const t = await opened;
      await t.closed;
      return t;
    },
    async trainAndCancel() {
      const opened = nextTerminal();
      await vs.api.commands.executeCommand('modelyaml.train', Uri.file(spec));
      const t = await opened;
      const d = manager.onEvent((_, e) => e.type === 'checkpoint' && e.kind === 'last' && e.epoch === 1 && t.type('\u0003'));
      await t.closed;
      d.dispose();
      return t;
    },
  };
  hosts.push(h);
  return h;
}

const eventsOf = (h: Host) => {
  const events: TrainerEvent[] = [];
  h.subscriptions.push(h.manager.onEvent((_, e) => events.push(e)));
  return events;
};

describe('a run, from the Train command to its end', () => {
  it('completes: exit 0, a notification with the final and test metrics and "Show Curves", and the panel data has them', async () => {
    const h = host();
    const events = eventsOf(h);
    const t = await h.train();
    expect(t.exitCode).toBe(0);
    const done = events.find((e) => e.type === 'done')!;
    expect(done).toMatchObject({ status: 'completed' });
    expect(h.vs.messages).toHaveLength(1);
    const note = h.vs.messages[0];
    expect(note).toMatchObject({ level: 'info', items: ['Show Curves'] });
    const n = '[\\d.e+-]+';
    expect(note.text).toMatch(new RegExp(`^ModelYAML: s — completed 3 epochs in ${n} s\\. Final: loss ${n} · accuracy ${n} · val_loss ${n} · val_accuracy ${n}\\. Test: loss ${n} · accuracy ${n}\\.$`));
    // The curves panel gets the same ending: final and test metrics, and how many epochs ran.
    const info = LoadedRun.read(done.runDir!).info();
    expect(info).toMatchObject({ status: 'completed', epochsRun: 3, final: done.final, test: (done as { test?: unknown }).test });
  });

  it('keeps debug lines out of the terminal (they go to the output channel)', async () => {
    const h = host({ epochs: 1 });
    const t = await h.train();
    expect(t.exitCode).toBe(0);
    expect(h.output.some((l) => /\] debug: /.test(l))).toBe(true);
    expect(t.lines().filter((l) => /^debug:/.test(l))).toEqual([]);
  });

  it('a run folder keeps its spec as spec.snapshot.yaml, which is not a spec: no task offers to train it', async () => {
    const h = host({ epochs: 1 });
    const events = eventsOf(h);
    await h.train();
    const runDir = (events.find((e) => e.type === 'done') as { runDir: string }).runDir;
    const files = readdirSync(runDir);
    expect(files).toContain('spec.snapshot.yaml');
    expect(files.filter((f) => /\.model\.ya?ml$/.test(f))).toEqual([]);
    // Even an old run folder's spec.model.yaml is no task.
    writeFileSync(join(runDir, 'spec.model.yaml'), iris());
    const tasks = (await h.vs.taskProviders.get('modelyaml')!.provideTasks()) as { name: string }[];
    expect(tasks.map((x) => x.name)).toEqual(['train s.model.yaml']);
  });
});

describe('a run that fails never leaves its spec "in progress"', () => {
  it('a runs folder that cannot be created: the run fails with a message, and the next Train starts', async () => {
    const h = host({ epochs: 1 });
    writeFileSync(join(h.ws, 'blocker'), 'a file where a folder should be');
    h.config.runsFolder = 'blocker/runs';
    const first = await h.train();
    expect(first.exitCode).toBe(1);
    expect(first.output).toMatch(/error\[/);
    expect(h.vs.messages.find((m) => m.level === 'error')?.text).toMatch(/^ModelYAML: training s failed: /);
    delete h.config.runsFolder;
    const second = await h.train();
    expect(second.output).not.toMatch(/already in progress/);
    expect(second.exitCode).toBe(0);
  });

  it('a client that cannot close the record (its exit handler throws): the run still ends, and the next Train starts', async () => {
    const h = host({ epochs: 2 });
    // The run folder's record cannot be rewritten by this process (as on a full disk): a folder
    // stands where the client writes its temporary copy of run.json.
    h.subscriptions.push(
      h.manager.onEvent((_, e) => {
        if (e.type === 'log' && e.runDir) mkdirSync(join(e.runDir, `run.json.tmp-${process.pid}`));
      }),
    );
    // The extension host survives uncaught exceptions; so does this test.
    const uncaught: unknown[] = [];
    const keep = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', keep);
    process.env.MODELYAML_TRAINER_FAULT = 'crash@2';
    try {
      const first = await h.train();
      expect(first.exitCode).toBe(1);
      expect(h.vs.messages.some((m) => m.level === 'error' && /training s failed/.test(m.text))).toBe(true);
    } finally {
      delete process.env.MODELYAML_TRAINER_FAULT;
      process.off('uncaughtException', keep);
    }
    const second = await h.train();
    expect(second.output).not.toMatch(/already in progress/);
    expect(second.exitCode).toBe(0);
  });
});

describe('cancel and resume', () => {
  it('a cancelled run ends its task quietly (exit 0, a "Cancelled" line); "Resume Training" continues it from its checkpoint', async () => {
    const h = host({ epochs: 3 });
    const events = eventsOf(h);
    let resumed: Promise<FakeTerminal> | undefined;
    h.vs.answer = (m) => {
      if (!m.items.includes('Resume Training')) return undefined;
      resumed = h.nextTerminal();
      return 'Resume Training';
    };
    const t = await h.trainAndCancel();
    expect(t.exitCode).toBe(0);
    expect(t.lines().some((l) => /^Cancelled (in epoch 2|after epoch 1)/.test(l))).toBe(true);
    expect(h.vs.messages.find((m) => /was cancelled/.test(m.text))).toMatchObject({ level: 'info', items: ['Show Curves', 'Resume Training'] });
    // The reason is not said twice ("was cancelled (cancelled in epoch 2, …)").
    expect(h.vs.messages.find((m) => /was cancelled/.test(m.text))!.text).toMatch(/^ModelYAML: \S+ was cancelled (in epoch \d+, batch \d+|after epoch \d+)\. The run record is kept\.$/);
    expect(resumed).toBeDefined();
    const r = await resumed!;
    expect(r.name).toBe('resume s.model.yaml');
    expect(await r.closed).toBe(0);
    const started = events.filter((e) => e.type === 'started');
    expect(started.map((e) => e.type === 'started' && e.initialEpoch)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'done').map((e) => e.type === 'done' && e.status)).toEqual(['cancelled', 'completed']);
  });

  it('the Resume Training command finds the spec\'s resumable run; with none it says so', async () => {
    // Epochs to spare: on a loaded machine the cancel may land an epoch after the checkpoint it follows.
    const h = host({ epochs: 5 });
    h.vs.openEditor(h.spec);
    await h.vs.api.commands.executeCommand('modelyaml.resumeTraining');
    expect(h.vs.messages.at(-1)?.text).toMatch(/no cancelled or failed run of s\.model\.yaml kept a checkpoint/);
    const events = eventsOf(h);
    await h.trainAndCancel();
    const cancelled = events.find((e) => e.type === 'done');
    const ran = cancelled?.type === 'done' ? cancelled.epochs : 0;
    expect(ran).toBeGreaterThanOrEqual(1);
    const next = h.nextTerminal();
    await h.vs.api.commands.executeCommand('modelyaml.resumeTraining');
    expect(await (await next).closed).toBe(0);
    expect(events.filter((e) => e.type === 'started').map((e) => e.type === 'started' && e.initialEpoch)).toEqual([1, ran + 1]);
  });
  it('the curves panel lists a cancelled run with a checkpoint as resumable, and its `resume` message resumes it', async () => {
    const h = host({ epochs: 2 });
    const panels = registerPanels({ subscriptions: h.subscriptions, extensionUri: Uri.file(ROOT) } as never, { vscode: h.vs.api, training: h.manager, output: { appendLine: () => undefined } });
    const events = eventsOf(h);
    await h.trainAndCancel();
    const runDir = (events.find((e) => e.type === 'done') as { runDir: string }).runDir;
    expect(LoadedRun.read(runDir).info()).toMatchObject({ status: 'cancelled', resumable: true });
    const panel = h.vs.panels.find((p) => p.viewType === 'modelyaml.curves')!;
    expect(panels.curves.panel).toBe(panel);
    const next = h.nextTerminal();
    panel.received.fire({ type: 'resume', runId: runDir });
    expect(await (await next).closed).toBe(0);
    expect(events.filter((e) => e.type === 'started').map((e) => e.type === 'started' && e.initialEpoch)).toEqual([1, 2]);
    // A completed run is not resumable.
    const resumedDir = (events.filter((e) => e.type === 'done')[1] as { runDir: string }).runDir;
    expect(LoadedRun.read(resumedDir).info()).not.toHaveProperty('resumable');
  });
});

describe('Workspace Trust', () => {
  it('an untrusted workspace does not train (the command says why, tasks are not offered) until trust is granted', async () => {
    const h = host({ trusted: false, epochs: 1 });
    await h.vs.api.commands.executeCommand('modelyaml.train', Uri.file(h.spec));
    expect(h.vs.terminals).toHaveLength(0);
    expect(h.vs.messages.at(-1)).toMatchObject({ level: 'warning', items: ['Manage Workspace Trust'] });
    expect(h.vs.messages.at(-1)?.text).toMatch(/needs a trusted workspace.*node_modules/);
    expect(await h.vs.taskProviders.get('modelyaml')!.provideTasks()).toEqual([]);
    // A task from tasks.json reaches the manager directly: it refuses too.
    const lines: string[] = [];
    expect(await h.manager.run(h.spec, {}, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toMatch(/untrusted workspace/);
    await h.vs.api.commands.executeCommand('modelyaml.resumeTraining', Uri.file(h.spec));
    expect(h.vs.messages.at(-1)?.text).toMatch(/^ModelYAML: Resuming a run needs a trusted workspace/);

    h.vs.grantTrust();
    expect(h.output).toContain('[info] the workspace is trusted: training is enabled');
    expect(((await h.vs.taskProviders.get('modelyaml')!.provideTasks()) as unknown[]).length).toBe(1);
    expect((await h.train()).exitCode).toBe(0);
  });
});

describe('.gitignore', () => {
  it('after the first run in a git workspace, offers once to ignore the runs folder; "Add" adds it', async () => {
    const h = host({ git: true, epochs: 1 });
    h.vs.answer = (m) => (m.items.includes('Add') ? 'Add' : undefined);
    await h.train();
    const offers = () => h.vs.messages.filter((m) => m.items.includes('Add'));
    expect(offers()).toHaveLength(1);
    expect(offers()[0].items).toEqual(['Add', 'Not now']);
    expect(h.state.get(GITIGNORE_OFFERED_KEY)).toBe(true);
    expect(readFileSync(join(h.ws, '.gitignore'), 'utf8')).toMatch(/^\.modelyaml\/runs\/$/m);
    await h.train();
    expect(offers()).toHaveLength(1);
  });

  it('no offer where git is not used or the folder is already ignored', async () => {
    const plain = host({ epochs: 1 });
    await plain.train();
    const ignored = host({ git: true, epochs: 1 });
    writeFileSync(join(ignored.ws, '.gitignore'), 'node_modules\n/.modelyaml\n');
    await ignored.train();
    expect([...plain.vs.messages, ...ignored.vs.messages].filter((m) => m.items.includes('Add'))).toEqual([]);
  });

  it('run folders stay out of file watching, search and Quick Open (configuration defaults) and out of task detection', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { configurationDefaults: Record<string, Record<string, boolean>> } };
    const defaults = manifest.contributes.configurationDefaults;
    expect(defaults['files.watcherExclude']['**/.modelyaml/**']).toBe(true);
    expect(defaults['search.exclude']['**/.modelyaml/**']).toBe(true);
    expect(SPEC_SEARCH_EXCLUDE).toContain('**/.modelyaml/**');
  });

  it('reads and writes .gitignore lines', () => {
    expect(ignores('.modelyaml/runs/\n')).toBe(true);
    expect(ignores('/.modelyaml/\n')).toBe(true);
    expect(ignores('.modelyaml/**\n')).toBe(true);
    expect(ignores('# .modelyaml\n!.modelyaml/runs\nnode_modules\n')).toBe(false);
    expect(ignores('out/runs/\n', 'out/runs')).toBe(true);
    expect(withRunsIgnored('node_modules')).toBe('node_modules\n\n# ModelYAML run records: checkpoints, models and metrics of every training run\n.modelyaml/runs/\n');
    expect(withRunsIgnored('')).toBe('# ModelYAML run records: checkpoints, models and metrics of every training run\n.modelyaml/runs/\n');
  });
});

describe('templates and the walkthrough', () => {
  it('a template is opened pinned (not a preview replacing the walkthrough), with a .gitignore for the runs', async () => {
    const h = host();
    h.vs.pick = (items) => items.find((i) => i.label === 'mnist-mlp');
    const created = await newFromTemplate(Uri.file(ROOT) as never, h.vs.api);
    expect(created?.fsPath).toBe(join(h.ws, 'mlp.model.yaml'));
    expect(h.vs.shown.at(-1)).toMatchObject({ path: join(h.ws, 'mlp.model.yaml'), options: { preview: false } });
    expect(readFileSync(join(h.ws, '.gitignore'), 'utf8')).toMatch(/^\.modelyaml\/runs\/$/m);
    expect(existsSync(join(h.ws, 'mlp.model.yaml'))).toBe(true);
  });

  it('the BERT template brings its model folder, so the copy checks clean offline', async () => {
    const h = host();
    h.vs.pick = (items) => items.find((i) => i.label === 'bert-sentiment');
    const created = await newFromTemplate(Uri.file(ROOT) as never, h.vs.api);
    expect(created?.fsPath).toBe(join(h.ws, 'bert-sentiment.model.yaml'));
    for (const f of ['data/reviews.jsonl', 'data/bert-reviews/config.json', 'data/bert-reviews/vocab.txt', 'data/bert-reviews/model.safetensors']) {
      expect(existsSync(join(h.ws, f)), f).toBe(true);
    }
    const a = analyze(readFileSync(created!.fsPath, 'utf8'), { host: fileDataHost(h.ws, { workspaces: [h.ws] }) });
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.model!.totalParams).toBeGreaterThan(30_000);
  });

  it('sets the context keys the walkthrough steps complete on: a diagnostic, a run, a hover, the architecture', async () => {
    const h = host({ epochs: 1 });
    h.subscriptions.push(trackWalkthrough(h.vs.api));
    registerPanels({ subscriptions: h.subscriptions, extensionUri: Uri.file(ROOT) } as never, { vscode: h.vs.api, output: { appendLine: () => undefined } });
    const keys = () => Object.values(WALKTHROUGH_KEYS).filter((k) => h.vs.contexts.get(k) === true);
    expect(keys()).toEqual([]);
    h.vs.setDiagnostics(Uri.file(join(h.ws, 'notes.yaml')), [{ message: 'not a spec' }]);
    h.vs.setDiagnostics(Uri.file(h.spec), []);
    expect(keys()).toEqual([]);
    h.vs.setDiagnostics(Uri.file(h.spec), [{ message: 'The last layer has 5 outputs, but the labels have 3 classes' }]);
    expect(keys()).toEqual([WALKTHROUGH_KEYS.sawDiagnostic]);
    await h.train();
    expect(keys()).toEqual([WALKTHROUGH_KEYS.sawDiagnostic, WALKTHROUGH_KEYS.trained]);
    // The language client's hover middleware: an empty answer is no hover, a shown one ticks the step.
    const hover = hoverMiddleware(h.vs.api);
    const ask = (answer: unknown) => hover({ uri: Uri.file(h.spec) } as never, { line: 2, character: 14 } as never, {} as never, async () => answer as never);
    expect(await ask(null)).toBeNull();
    expect(await ask({ contents: [] })).toEqual({ contents: [] });
    expect(keys()).not.toContain(WALKTHROUGH_KEYS.sawHover);
    const shown = { contents: [{ value: '**adam** — Adaptive moment estimation' }] };
    expect(await ask(shown)).toBe(shown);
    expect(keys()).toContain(WALKTHROUGH_KEYS.sawHover);
    h.vs.openEditor(h.spec);
    await h.vs.api.commands.executeCommand('modelyaml.showArchitecture');
    expect(keys()).toEqual(Object.values(WALKTHROUGH_KEYS));
  });

  it('every walkthrough step ticks on an event, and every context key it waits for is one the extension sets', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { walkthroughs: { steps: { id: string; completionEvents?: string[] }[] }[] } };
    const steps = manifest.contributes.walkthroughs.flatMap((w) => w.steps);
    for (const step of steps) expect(step.completionEvents ?? [], step.id).not.toEqual([]);
    const awaited = steps.flatMap((s) => s.completionEvents ?? []).filter((e) => e.startsWith('onContext:')).map((e) => e.slice('onContext:'.length));
    expect(new Set(awaited)).toEqual(new Set(Object.values(WALKTHROUGH_KEYS)));
  });
});
