/**
 * Training from the editor: a `modelyaml` task type (so runs appear in "Run Task" and can be
 * put in tasks.json), the "Train" command, cancellation and a status-bar item. The run itself is
 * the trainer bundle in a child process, started through the same client the CLI uses.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../core/protocol/trainer';
import { startTraining, type TrainingHandle } from '../trainer/client';

export const TASK_TYPE = 'modelyaml';

interface ModelYamlTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  /** The spec, relative to the workspace folder (or absolute). */
  spec: string;
  epochs?: number;
  device?: 'auto' | 'gpu' | 'cpu';
}

/** Listeners the panels attach to: every event of every run, with the spec it belongs to. */
export type RunListener = (specPath: string, event: TrainerEvent) => void;

export class TrainingManager implements vscode.Disposable {
  private readonly runs = new Map<string, TrainingHandle>();
  private readonly listeners = new Set<RunListener>();
  private readonly status: vscode.StatusBarItem;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {
    this.status = vscode.window.createStatusBarItem('modelyaml.training', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'ModelYAML Training';
  }

  onEvent(listener: RunListener): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  isRunning(specPath: string): boolean {
    return this.runs.has(specPath);
  }

  cancel(specPath?: string): void {
    const targets = specPath ? [this.runs.get(specPath)].filter(Boolean) : [...this.runs.values()];
    for (const run of targets) run!.cancel();
  }

  /** Starts a run; `write` receives the terminal's lines. Resolves when the trainer has exited. */
  async run(specPath: string, overrides: { epochs?: number; device?: 'auto' | 'gpu' | 'cpu' }, write: (line: string) => void): Promise<number> {
    if (this.runs.has(specPath)) {
      write(`A run of ${path.basename(specPath)} is already in progress.`);
      return 1;
    }
    const config = vscode.workspace.getConfiguration('modelyaml');
    const workspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(specPath))?.uri.fsPath ?? path.dirname(specPath);
    const runsFolder = config.get<string>('runsFolder') || '.modelyaml/runs';
    const tfjsNodePath = config.get<string>('tfjsNodePath') || undefined;
    const threads = config.get<number>('train.maxThreads') || undefined;
    const handle = startTraining(
      specPath,
      {
        trainerPath: this.context.asAbsolutePath('dist/trainer.js'),
        wasmDir: this.context.asAbsolutePath('dist'),
        workspace,
        out: path.resolve(workspace, runsFolder),
        epochs: overrides.epochs,
        device: overrides.device ?? (config.get<string>('train.device') as 'auto' | 'gpu' | 'cpu' | undefined) ?? undefined,
        env: {
          ...(tfjsNodePath ? { MODELYAML_TFJS_NODE_PATH: tfjsNodePath } : {}),
          ...(threads ? { MODELYAML_THREADS: String(threads) } : {}),
        },
      },
      (event) => {
        this.report(specPath, event, write);
        for (const l of this.listeners) l(specPath, event);
      },
    );
    this.runs.set(specPath, handle);
    void vscode.commands.executeCommand('setContext', 'modelyaml.training', true);
    try {
      const result = await handle.done;
      if (result.status === 'failed' && !result.error) write(`The trainer stopped unexpectedly (exit ${result.exitCode ?? result.signal}).\n${result.stderr.slice(-2000)}`);
      return result.status === 'completed' ? 0 : result.status === 'cancelled' ? 130 : 1;
    } finally {
      this.runs.delete(specPath);
      void vscode.commands.executeCommand('setContext', 'modelyaml.training', this.runs.size > 0);
      if (!this.runs.size) this.status.hide();
    }
  }

  private report(specPath: string, e: TrainerEvent, write: (line: string) => void): void {
    const name = path.basename(specPath, '.model.yaml');
    const fmt = (m: Record<string, number | null>) =>
      Object.entries(m)
        .map(([k, v]) => `${k} ${v === null ? 'NaN' : Number(v).toPrecision(4)}`)
        .join(' · ');
    switch (e.type) {
      case 'started':
        write(`Training ${e.specName} on ${e.backend} (${e.device}) — ${e.reason}`);
        write(`${e.params.toLocaleString('en-US')} parameters · ${e.samples.train} training samples · ${e.epochs} epochs of ${e.batchesPerEpoch} batches · run folder ${e.runDir}`);
        this.output.appendLine(`[${name}] started: ${e.backend} (${e.device}); ${e.reason}`);
        this.status.text = `$(sync~spin) ${name}: starting`;
        this.status.command = 'modelyaml.cancelTraining';
        this.status.tooltip = 'Training — click to cancel';
        this.status.show();
        break;
      case 'batch':
        this.status.text = `$(sync~spin) ${name}: epoch ${e.epoch} · ${Math.round((100 * e.batch) / e.batches)}% · loss ${e.loss === null ? 'NaN' : e.loss.toPrecision(3)}`;
        break;
      case 'epoch':
        write(`epoch ${e.epoch}/${e.epochs} · ${fmt(e.metrics)} · ${(e.durationMs / 1000).toFixed(1)} s`);
        break;
      case 'log':
        write(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
        this.output.appendLine(`[${name}] ${e.level}: ${e.message}`);
        break;
      case 'checkpoint':
        write(`saved ${e.kind} checkpoint (epoch ${e.epoch}) → ${e.path}`);
        break;
      case 'done':
        write(`${e.reason.startsWith(e.status) ? e.reason : `${e.status}: ${e.reason}`} in ${(e.durationMs / 1000).toFixed(1)} s${Object.keys(e.final).length ? ` · ${fmt(e.final)}` : ''}${e.test ? ` · test ${fmt(e.test)}` : ''}`);
        this.output.appendLine(`[${name}] ${e.status}: ${e.reason}`);
        break;
      case 'error':
        write(`error[${e.code}]: ${e.message}${e.file ? ` (${e.file}${e.row ? `:${e.row}` : ''})` : ''}`);
        for (const d of e.diagnostics ?? []) write(`  ${d}`);
        this.output.appendLine(`[${name}] error ${e.code}: ${e.message}`);
        void vscode.window.showErrorMessage(`ModelYAML: training ${name} failed: ${e.message}`);
        break;
    }
  }

  /** A task that trains `specPath`, shown in a terminal. */
  task(definition: ModelYamlTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope): vscode.Task {
    const folder = typeof scope === 'object' ? scope.uri.fsPath : undefined;
    const specPath = path.isAbsolute(definition.spec) || !folder ? definition.spec : path.join(folder, definition.spec);
    const task = new vscode.Task(
      definition,
      scope,
      `train ${path.basename(definition.spec)}`,
      TASK_TYPE,
      new vscode.CustomExecution(async () => new TrainingTerminal(this, specPath, definition)),
    );
    task.group = vscode.TaskGroup.Build;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    return task;
  }

  dispose(): void {
    this.cancel();
    this.status.dispose();
  }
}

/** The task's terminal: prints the run, and Ctrl+C (or closing it) cancels. */
class TrainingTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;

  constructor(
    private readonly manager: TrainingManager,
    private readonly specPath: string,
    private readonly definition: ModelYamlTaskDefinition,
  ) {}

  open(): void {
    const write = (line: string) => this.writeEmitter.fire(line.replace(/\n/g, '\r\n') + '\r\n');
    this.manager.run(this.specPath, { epochs: this.definition.epochs, device: this.definition.device }, write).then(
      (code) => this.closeEmitter.fire(code),
      (e) => {
        write(`error: ${(e as Error).message}`);
        this.closeEmitter.fire(1);
      },
    );
  }

  handleInput(data: string): void {
    if (data === '\u0003') this.manager.cancel(this.specPath);
  }

  close(): void {
    this.manager.cancel(this.specPath);
  }
}

export function registerTraining(context: vscode.ExtensionContext, output: vscode.OutputChannel): TrainingManager {
  const manager = new TrainingManager(context, output);
  const specOf = (uri?: vscode.Uri) => uri ?? vscode.window.activeTextEditor?.document.uri;
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.model.{yaml,yml}', false, true, false);
  let specs: Thenable<vscode.Uri[]> | undefined;
  context.subscriptions.push(
    manager,
    watcher,
    watcher.onDidCreate(() => (specs = undefined)),
    watcher.onDidDelete(() => (specs = undefined)),
    vscode.tasks.registerTaskProvider(TASK_TYPE, {
      provideTasks: async () => {
        // The task system times out slow providers: search once, then follow the watcher.
        specs ??= vscode.workspace.findFiles('**/*.model.{yaml,yml}', '**/node_modules/**', 200);
        return (await specs).map((uri) => {
          const folder = vscode.workspace.getWorkspaceFolder(uri);
          const spec = folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
          return manager.task({ type: TASK_TYPE, spec }, folder ?? vscode.TaskScope.Workspace);
        });
      },
      resolveTask: (task) => {
        const def = task.definition as ModelYamlTaskDefinition;
        return def.spec ? manager.task(def, task.scope ?? vscode.TaskScope.Workspace) : undefined;
      },
    }),
    vscode.commands.registerCommand('modelyaml.train', async (uri?: vscode.Uri) => {
      const spec = specOf(uri);
      if (!spec || !/\.model\.ya?ml$/.test(spec.fsPath)) {
        void vscode.window.showInformationMessage('Open a *.model.yaml spec to train it.');
        return;
      }
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === spec.toString());
      if (doc?.isDirty) await doc.save(); // train what the user sees
      const folder = vscode.workspace.getWorkspaceFolder(spec);
      const rel = folder ? path.relative(folder.uri.fsPath, spec.fsPath) : spec.fsPath;
      await vscode.tasks.executeTask(manager.task({ type: TASK_TYPE, spec: rel }, folder ?? vscode.TaskScope.Workspace));
    }),
    vscode.commands.registerCommand('modelyaml.cancelTraining', () => manager.cancel()),
  );
  return manager;
}
