/**
 * The end-to-end scenarios of test/e2e/workbench.e2e.ts, through VS Code's API inside its own
 * extension host (where the UI cannot be clicked, the same providers are asked through the
 * `vscode.execute…Provider` commands, and the run records stand in for the curves panel).
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';

const EXTENSION_ID = 'modelyaml.modelyaml';

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test instance must open the workspace folder');
  return f.uri;
}

function file(name: string): vscode.Uri {
  return vscode.Uri.joinPath(folder(), name);
}

async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(file(name));
  return vscode.window.showTextDocument(doc);
}

/**
 * `probe`'s first answer other than undefined/false: asked now and again whenever one of
 * `events` fires. No timer: mocha's test timeout bounds the wait.
 */
function whenTrue<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, events: vscode.Event<unknown>[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const subscriptions: vscode.Disposable[] = [];
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      for (const d of subscriptions) d.dispose();
      f();
    };
    const ask = async () => {
      try {
        const v = await probe();
        if (v !== undefined && v !== false) settle(() => resolve(v as T));
      } catch (e) {
        settle(() => reject(e));
      }
    };
    for (const e of events) subscriptions.push(e(() => void ask()));
    void ask();
  });
}

/** The extension's API (src/extension/extension.ts: ModelYamlApi), as far as these tests use it. */
interface TrainerEventLike {
  type: string;
  runDir?: string;
  status?: string;
}
interface Api {
  activationMs: number;
  serverReady: Promise<void>;
  onTrainerEvent(listener: (specPath: string, event: TrainerEventLike) => void): vscode.Disposable;
}

/** The events of the next run of `spec`, until its `done`. */
function runEvents(api: Api, spec: string, onEvent?: (e: TrainerEventLike) => void): Promise<TrainerEventLike[]> {
  const events: TrainerEventLike[] = [];
  return new Promise((resolve) => {
    const d = api.onTrainerEvent((specPath, e) => {
      if (!specPath.endsWith(spec)) return;
      events.push(e);
      onEvent?.(e);
      if (e.type === 'done' || e.type === 'error') {
        d.dispose();
        resolve(events);
      }
    });
  });
}

function positionOf(doc: vscode.TextDocument, needle: string, offset = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `\`${needle}\` is in ${doc.uri.path}`);
  return doc.positionAt(i + offset);
}

function runStatus(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status?: string }).status;
  } catch {
    return undefined;
  }
}

/**
 * Runs the provider's "train <spec>" task, as "Tasks: Run Task" does. The workbench gives task
 * providers a few seconds; on a loaded machine the first call can time out ("Timed out getting
 * tasks from modelyaml") and then executeTask answers "Task not found": ask again, a few times.
 */
async function runTrainTask(spec: string): Promise<vscode.Task> {
  for (let attempt = 1; ; attempt++) {
    const tasks = await vscode.tasks.fetchTasks({ type: 'modelyaml' });
    const task = tasks.find((t) => t.name === `train ${spec}`);
    assert.ok(task, `a task "train ${spec}" among ${tasks.map((t) => t.name).join(', ')}`);
    try {
      await vscode.tasks.executeTask(task);
      return task;
    } catch (e) {
      if (attempt >= 3 || !/Task not found/.test(String(e))) throw e;
      console.log(`[vscode] executeTask: ${String(e)}; fetching the tasks again`);
    }
  }
}

function taskEnded(name: string): Promise<void> {
  return new Promise((resolve) => {
    const d = vscode.tasks.onDidEndTask((e) => {
      if (e.execution.task.name === name) {
        d.dispose();
        resolve();
      }
    });
  });
}

suite('ModelYAML in VS Code', () => {
  let activationMs = Number.NaN;
  let api: Api;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    await open('mnist-cnn.model.yaml');
    api = await ext.activate();
    activationMs = api.activationMs;
    await api.serverReady;
  });

  test('activates and reports its activation time (the server starts in the background)', () => {
    // A figure, not a timed assertion: `npm run bench:extension` measures it against its target.
    assert.ok(Number.isFinite(activationMs) && activationMs >= 0, `activate() returned ${activationMs}`);
    console.log(`[vscode] activate() took ${activationMs.toFixed(1)} ms`);
  });

  test('a spec opens in the ModelYAML language mode', async () => {
    const editor = await open('mnist-cnn.model.yaml');
    assert.equal(editor.document.languageId, 'modelyaml');
  });

  test('inlay hints show each layer’s output shape and parameters', async () => {
    const editor = await open('mnist-cnn.model.yaml');
    const doc = editor.document;
    const range = new vscode.Range(0, 0, doc.lineCount, 0);
    // The server is up (suiteSetup): it answers for the document it was just told about.
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range);
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    assert.ok(labels.includes('→ (None, 26, 26, 32) · 320 params'), labels.join('\n'));
    assert.ok(labels.some((l) => l.startsWith('Σ 93,322 params')), labels.join('\n'));
  });

  test('hovering `adam` shows the rendered formula image', async () => {
    const editor = await open('mnist-cnn.model.yaml');
    const pos = positionOf(editor.document, 'adam', 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /!\[[^\]]*\]\(data:image\/svg\+xml;base64,/);
    assert.match(text.toLowerCase(), /adam/);
  });

  test('a planted error is reported with its message, and clears when fixed', async () => {
    const editor = await open('planted.model.yaml');
    const doc = editor.document;
    const at = positionOf(doc, 'units: 10, activation: softmax', 'units: '.length);
    const range = new vscode.Range(at, at.translate(0, 2));
    await editor.edit((e) => e.replace(range, '5'));
    const diag = await whenTrue(
      () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.message.includes('The last layer has 5 outputs, but the labels have 10 classes')),
      [vscode.languages.onDidChangeDiagnostics],
    );
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.range.start.line, at.line);
    await vscode.commands.executeCommand('undo');
    await whenTrue(() => vscode.languages.getDiagnostics(doc.uri).every((d) => d.severity !== vscode.DiagnosticSeverity.Error), [vscode.languages.onDidChangeDiagnostics]);
  });

  test('completion after `- ` offers layer types', async () => {
    const editor = await open('scratch.model.yaml');
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    await editor.edit((e) => e.insert(end, '- '));
    const pos = end.translate(0, 2);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, pos);
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const l of ['dense', 'conv2d', 'dropout']) assert.ok(labels.includes(l), `${l} in ${labels.join(', ')}`);
  });

  test('the architecture panel opens on a spec', async () => {
    await open('mnist-cnn.model.yaml');
    await vscode.commands.executeCommand('modelyaml.showArchitecture');
    await whenTrue(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('modelyaml.architecture')),
      [vscode.window.tabGroups.onDidChangeTabs],
    );
  });

  test('run folders are left out of file watching and search (the extension\'s configuration defaults)', () => {
    // Issue 15, item 12: VS Code itself must apply package.json's configurationDefaults.
    for (const [section, key] of [['files', 'watcherExclude'], ['search', 'exclude']] as const) {
      const value = vscode.workspace.getConfiguration(section).get<Record<string, boolean>>(key) ?? {};
      assert.equal(value['**/.modelyaml/**'], true, `${section}.${key}: ${JSON.stringify(value)}`);
    }
  });

  test('running the Train task trains, and the run record grows epoch by epoch', async () => {
    await open('tiny.model.yaml');
    const ended = taskEnded('train tiny.model.yaml');
    // Each epoch event is recorded in metrics.jsonl before it is sent: count the lines as they come.
    let run = '';
    const seen: number[] = [];
    const events = runEvents(api, 'tiny.model.yaml', (e) => {
      if (e.type === 'started' && e.runDir) run = e.runDir;
      if (e.type === 'epoch') seen.push(readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length);
    });
    await runTrainTask('tiny.model.yaml');
    const all = await events;
    await ended;
    assert.equal(all.at(-1)?.status, 'completed', JSON.stringify(all.at(-1)));
    assert.equal(runStatus(run), 'completed');
    assert.ok(seen.filter((n, i) => i > 0 && n > seen[i - 1]).length >= 2, `metrics lines at each epoch: ${seen.join(', ')}`);
    // The run folder keeps a snapshot of the spec that is not itself a spec: no task offers to train it.
    assert.ok(existsSync(join(run, 'spec.snapshot.yaml')), 'the run folder has spec.snapshot.yaml');
    const tasks = await vscode.tasks.fetchTasks({ type: 'modelyaml' });
    assert.deepEqual(tasks.filter((t) => /snapshot|spec\.model\.yaml/.test(t.name)).map((t) => t.name), []);
  });

  test('cancelling a run stops it', async () => {
    await open('long.model.yaml');
    const ended = taskEnded('train long.model.yaml');
    let run = '';
    let firstMetrics: () => void = () => undefined;
    const metricsWritten = new Promise<void>((resolve) => (firstMetrics = resolve));
    // A batch or epoch event is in metrics.jsonl before it is sent.
    const events = runEvents(api, 'long.model.yaml', (e) => {
      if (e.type === 'started' && e.runDir) run = e.runDir;
      if (e.type === 'batch' || e.type === 'epoch') firstMetrics();
    });
    await runTrainTask('long.model.yaml');
    await metricsWritten;
    assert.ok(readFileSync(join(run, 'metrics.jsonl'), 'utf8').length > 0, 'metrics.jsonl has the first metrics');
    await vscode.commands.executeCommand('modelyaml.cancelTraining');
    const all = await events;
    await ended;
    assert.equal(all.at(-1)?.status, 'cancelled', JSON.stringify(all.at(-1)));
    assert.equal(runStatus(run), 'cancelled');
  });
});
