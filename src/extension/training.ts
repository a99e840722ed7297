/**
 * Training from the editor: a `modelyaml` task type (so runs appear in "Run Task" and can be
 * put in tasks.json), the "Train" and "Resume Training" commands, cancellation and a status-bar
 * item. The run itself is the trainer bundle in a child process, started through the same client
 * the CLI uses. The vscode API is passed in (type-only import), so the tests drive it with a
 * stand-in.
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { endingText, type TrainerEvent } from '../core/protocol/trainer';
import { startTraining, type TrainingHandle, type TrainingResult } from '../node/trainerClient';
import type { VscodeApi } from './panels/host';
import { offerGitignore } from './gitignore';
import { defaultRunsRoots } from './panels';
import { resumeTrainingCommand } from './resume';
import { announceRunEnd, formatMetrics, type RunEndAction } from './runEnd';
import { requireTrust, UNTRUSTED_TRAINING } from './trust';
import { WALKTHROUGH_KEYS } from './walkthrough';

export const TASK_TYPE = 'modelyaml';
export const SPEC_GLOB = '**/*.model.{yaml,yml}';
/** Folders no spec is looked for in: dependencies, and run folders (they hold snapshots of specs). */
export const SPEC_SEARCH_EXCLUDE = '{**/node_modules/**,**/.modelyaml/**}';

export interface ModelYamlTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  /** The spec, relative to the workspace folder (or absolute). */
  spec: string;
  epochs?: number;
  device?: 'auto' | 'gpu' | 'cpu';
  /** A run folder (or a checkpoint folder in one) to resume from. */
  resume?: string;
}

export interface RunOverrides {
  epochs?: number;
  device?: 'auto' | 'gpu' | 'cpu';
  resume?: string;
}

/** Listeners the panels attach to: every event of every run, with the spec it belongs to. */
export type RunListener = (specPath: string, event: TrainerEvent) => void;

/** What a terminal line is: the run's own story, or a detail only the output channel keeps. */
export type TerminalWrite = (line: string) => void;

export class TrainingManager implements vscode.Disposable {
  private readonly runs = new Map<string, TrainingHandle>();
  private readonly listeners = new Set<RunListener>();
  private readonly status: vscode.StatusBarItem;
  /** Extra buttons on the run-end notification (e.g. a later "Evaluate"). */
  readonly runEndActions: RunEndAction[] = [];
  /** Trains `spec` again from the last checkpoint of `runDir` (set by registerTraining). */
  resume?: (spec: vscode.Uri, runDir: string) => Promise<void>;

  constructor(
    private readonly api: VscodeApi,
    private readonly context: Pick<vscode.ExtensionContext, 'asAbsolutePath'>,
    private readonly output: Pick<vscode.OutputChannel, 'appendLine' | 'show'>,
  ) {
    this.status = api.window.createStatusBarItem('modelyaml.training', api.StatusBarAlignment.Left, 10);
    this.status.name = 'ModelYAML Training';
  }

  onEvent(listener: RunListener): vscode.Disposable {
    this.listeners.add(listener);
    return new this.api.Disposable(() => this.listeners.delete(listener));
  }

  isRunning(specPath: string): boolean {
    return this.runs.has(specPath);
  }

  cancel(specPath?: string): void {
    const targets = specPath ? [this.runs.get(specPath)].filter(Boolean) : [...this.runs.values()];
    for (const run of targets) run!.cancel();
  }

  /**
   * Starts a run; `write` receives the terminal's lines. Resolves with the task's exit code when
   * the trainer has exited: 0 for a completed or user-cancelled run, 1 for a failure.
   */
  async run(specPath: string, overrides: RunOverrides, write: TerminalWrite): Promise<number> {
    const { api } = this;
    if (!api.workspace.isTrusted) {
      write(UNTRUSTED_TRAINING);
      return 1;
    }
    if (this.runs.has(specPath)) {
      write(`A run of ${path.basename(specPath)} is already in progress.`);
      return 1;
    }
    const config = api.workspace.getConfiguration('modelyaml');
    const workspace = api.workspace.getWorkspaceFolder(api.Uri.file(specPath))?.uri.fsPath ?? path.dirname(specPath);
    const runsFolder = config.get<string>('runsFolder') || '.modelyaml/runs';
    const tfjsNodePath = config.get<string>('tfjsNodePath') || undefined;
    const threads = config.get<number>('train.maxThreads') || undefined;
    // `auto` (the default) is not passed on, so MODELYAML_ENGINE (CI, the e2e suite) still decides.
    const engine = config.get<string>('train.engine');
    const python = config.get<string>('pythonPath') || undefined;
    const handle = startTraining(
      specPath,
      {
        trainerPath: this.context.asAbsolutePath('dist/trainer.js'),
        wasmDir: this.context.asAbsolutePath('dist'),
        workspace,
        out: path.resolve(workspace, runsFolder),
        epochs: overrides.epochs,
        device: overrides.device ?? (config.get<string>('train.device') as RunOverrides['device']) ?? undefined,
        ...(overrides.resume ? { resume: overrides.resume } : {}),
        ...(tfjsNodePath ? { tfjsNodePath } : {}),
        ...(threads ? { maxThreads: threads } : {}),
        ...(engine === 'tfjs' || engine === 'pytorch' ? { engine } : {}),
        ...(python ? { python } : {}),
      },
      (event) => this.dispatch(specPath, event, write),
    );
    this.runs.set(specPath, handle);
    void api.commands.executeCommand('setContext', 'modelyaml.training', true);
    try {
      const result = await settledResult(handle);
      if (result.status === 'failed' && !result.error) write(`The trainer stopped unexpectedly (exit ${result.exitCode ?? result.signal}).\n${result.stderr.slice(-2000)}`);
      if (result.status === 'cancelled') write(`${endingText('Cancelled', result.done?.reason)}. The run record is kept${result.runDir ? ` in ${result.runDir}` : ''}.`);
      void announceRunEnd(api, { specPath, result, actions: this.runEndActions, output: this.output, resume: this.resume });
      return result.status === 'failed' ? 1 : 0;
    } finally {
      this.runs.delete(specPath);
      void api.commands.executeCommand('setContext', 'modelyaml.training', this.runs.size > 0);
      if (!this.runs.size) this.status.hide();
    }
  }

  /** One event: the terminal and status bar, then the panels; a failing listener costs only itself. */
  private dispatch(specPath: string, event: TrainerEvent, write: TerminalWrite): void {
    try {
      this.report(specPath, event, write);
    } catch (e) {
      this.output.appendLine(`[error] reporting a trainer event failed: ${(e as Error)?.message ?? e}`);
    }
    for (const l of this.listeners) {
      try {
        l(specPath, event);
      } catch (e) {
        this.output.appendLine(`[error] a run listener failed: ${(e as Error)?.message ?? e}`);
      }
    }
  }

  private report(specPath: string, e: TrainerEvent, write: TerminalWrite): void {
    const name = path.basename(specPath).replace(/\.model\.ya?ml$/, '');
    switch (e.type) {
      case 'started':
        write(`Training ${e.specName} on ${e.backend} (${e.device}) — ${e.reason}`);
        write(`${e.params.toLocaleString('en-US')} parameters · ${e.samples.train} training samples · ${e.epochs} epochs of ${e.batchesPerEpoch} batches${e.initialEpoch > 1 ? `, resuming at epoch ${e.initialEpoch}` : ''} · run folder ${e.runDir}`);
        this.output.appendLine(`[${name}] started: ${e.backend} (${e.device}); ${e.reason}`);
        this.status.text = `$(sync~spin) ${name}: starting`;
        this.status.command = 'modelyaml.cancelTraining';
        this.status.tooltip = 'Training — click to cancel';
        this.status.show();
        void this.api.commands.executeCommand('setContext', WALKTHROUGH_KEYS.trained, true);
        break;
      case 'batch':
        this.status.text = `$(sync~spin) ${name}: epoch ${e.epoch} · ${Math.round((100 * e.batch) / e.batches)}% · loss ${e.loss === null ? 'NaN' : e.loss.toPrecision(3)}`;
        break;
      case 'epoch':
        write(`epoch ${e.epoch}/${e.epochs} · ${formatMetrics(e.metrics)} · ${(e.durationMs / 1000).toFixed(1)} s`);
        break;
      case 'log':
        // Debug lines (kernel fallbacks, where a native backend was looked for) are for the curious: the output channel.
        if (e.level !== 'debug') write(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
        this.output.appendLine(`[${name}] ${e.level}: ${e.message}`);
        break;
      case 'checkpoint':
        write(`saved ${e.kind} checkpoint (epoch ${e.epoch}) → ${e.path}`);
        break;
      case 'done':
        if (e.status !== 'cancelled') write(`${e.reason.startsWith(e.status) ? e.reason : `${e.status}: ${e.reason}`} in ${(e.durationMs / 1000).toFixed(1)} s${Object.keys(e.final).length ? ` · ${formatMetrics(e.final)}` : ''}${e.test ? ` · test ${formatMetrics(e.test)}` : ''}`);
        this.output.appendLine(`[${name}] ${e.status}: ${e.reason}`);
        break;
      case 'error':
        write(`error[${e.code}]: ${e.message}${e.file ? ` (${e.file}${e.row ? `:${e.row}` : ''})` : ''}`);
        for (const d of e.diagnostics ?? []) write(`  ${d}`);
        this.output.appendLine(`[${name}] error ${e.code}: ${e.message}`);
        break;
    }
  }

  /** A task that trains `specPath`, shown in a terminal. */
  task(definition: ModelYamlTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope): vscode.Task {
    const { api } = this;
    const folder = typeof scope === 'object' ? scope.uri.fsPath : undefined;
    const specPath = path.isAbsolute(definition.spec) || !folder ? definition.spec : path.join(folder, definition.spec);
    const task = new api.Task(
      definition,
      scope,
      `${definition.resume ? 'resume' : 'train'} ${path.basename(definition.spec)}`,
      TASK_TYPE,
      new api.CustomExecution(async () => new TrainingTerminal(api, this, specPath, definition)),
    );
    task.group = api.TaskGroup.Build;
    task.presentationOptions = { reveal: api.TaskRevealKind.Always, panel: api.TaskPanelKind.Dedicated, clear: true };
    return task;
  }

  dispose(): void {
    this.cancel();
    this.status.dispose();
  }
}

/**
 * The run's result, always: the client's, or — should the client never settle (an exception in
 * its exit handler, e.g. a full disk while it closes the record) — a failure once the trainer's
 * process has exited. Without this the spec would stay "already in progress" for good.
 */
export function settledResult(handle: TrainingHandle): Promise<TrainingResult> {
  const failed = (message: string, code: number | null = null, signal: NodeJS.Signals | null = null): TrainingResult => ({
    status: 'failed',
    error: { type: 'error', time: Date.now(), code: 'trainer/crashed', message },
    exitCode: code,
    signal,
    stderr: '',
  });
  const exited = handle.closed.then(
    ({ code, signal }) =>
      // The client settles in its own 'close' handler (once all of stderr is read), which runs
      // before this: a turn later, it has.
      new Promise<TrainingResult>((resolve) => setImmediate(() => resolve(failed(`The trainer ended (${signal ?? `exit ${code}`}) but its run could not be closed; see the output channel.`, code, signal)))),
  );
  const done = handle.done.catch((e: unknown) => failed(`The training run failed: ${(e as Error)?.message ?? e}`));
  return Promise.race([done, exited]);
}

/** The task's terminal: prints the run, and Ctrl+C (or closing it) cancels. */
class TrainingTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter: vscode.EventEmitter<string>;
  private readonly closeEmitter: vscode.EventEmitter<number>;
  readonly onDidWrite: vscode.Event<string>;
  readonly onDidClose: vscode.Event<number>;

  constructor(
    api: VscodeApi,
    private readonly manager: TrainingManager,
    private readonly specPath: string,
    private readonly definition: ModelYamlTaskDefinition,
  ) {
    this.writeEmitter = new api.EventEmitter<string>();
    this.closeEmitter = new api.EventEmitter<number>();
    this.onDidWrite = this.writeEmitter.event;
    this.onDidClose = this.closeEmitter.event;
  }

  open(): void {
    const write = (line: string) => this.writeEmitter.fire(line.replace(/\n/g, '\r\n') + '\r\n');
    const { epochs, device, resume } = this.definition;
    this.manager.run(this.specPath, { epochs, device, resume }, write).then(
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

export interface TrainingDeps {
  /** The vscode API (tests pass a stand-in). */
  vscode?: VscodeApi;
}

export function registerTraining(
  context: Pick<vscode.ExtensionContext, 'asAbsolutePath' | 'subscriptions' | 'workspaceState'>,
  output: Pick<vscode.OutputChannel, 'appendLine' | 'show'>,
  deps: TrainingDeps = {},
): TrainingManager {
  const api: VscodeApi = deps.vscode ?? (require('vscode') as VscodeApi);
  const manager = new TrainingManager(api, context, output);
  const specOf = (uri?: vscode.Uri) => uri ?? api.window.activeTextEditor?.document.uri;
  const watcher = api.workspace.createFileSystemWatcher(SPEC_GLOB, false, true, false);
  let specs: Thenable<vscode.Uri[]> | undefined;
  const isRunSnapshot = (uri: vscode.Uri) => /[\\/]\.modelyaml[\\/]/.test(uri.fsPath);
  const execute = async (spec: vscode.Uri, extra: Partial<ModelYamlTaskDefinition> = {}) => {
    const folder = api.workspace.getWorkspaceFolder(spec);
    const rel = folder ? path.relative(folder.uri.fsPath, spec.fsPath) : spec.fsPath;
    await api.tasks.executeTask(manager.task({ type: TASK_TYPE, spec: rel, ...extra }, folder ?? api.TaskScope.Workspace));
  };
  context.subscriptions.push(
    manager,
    watcher,
    watcher.onDidCreate((uri) => !isRunSnapshot(uri) && (specs = undefined)),
    watcher.onDidDelete((uri) => !isRunSnapshot(uri) && (specs = undefined)),
    api.workspace.onDidGrantWorkspaceTrust(() => {
      specs = undefined;
      output.appendLine('[info] the workspace is trusted: training is enabled');
    }),
    api.tasks.registerTaskProvider(TASK_TYPE, {
      provideTasks: async () => {
        if (!api.workspace.isTrusted) return [];
        // The task system times out slow providers: search once, then follow the watcher.
        specs ??= api.workspace.findFiles(SPEC_GLOB, SPEC_SEARCH_EXCLUDE, 200);
        return (await specs).filter((uri) => !isRunSnapshot(uri)).map((uri) => {
          const folder = api.workspace.getWorkspaceFolder(uri);
          const spec = folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
          return manager.task({ type: TASK_TYPE, spec }, folder ?? api.TaskScope.Workspace);
        });
      },
      resolveTask: (task) => {
        const def = task.definition as ModelYamlTaskDefinition;
        return def.spec ? manager.task(def, task.scope ?? api.TaskScope.Workspace) : undefined;
      },
    }),
    api.commands.registerCommand('modelyaml.train', async (uri?: vscode.Uri) => {
      if (!requireTrust(api, 'Training')) return;
      const spec = specOf(uri);
      if (!spec || !/\.model\.ya?ml$/.test(spec.fsPath)) {
        void api.window.showInformationMessage('Open a *.model.yaml spec to train it.');
        return;
      }
      const doc = api.workspace.textDocuments.find((d) => d.uri.toString() === spec.toString());
      if (doc?.isDirty) await doc.save(); // train what the user sees
      await execute(spec);
    }),
    api.commands.registerCommand('modelyaml.cancelTraining', () => manager.cancel()),
    api.commands.registerCommand('modelyaml.resumeTraining', (arg?: unknown) => {
      if (!requireTrust(api, 'Resuming a run')) return;
      return resumeTrainingCommand(api, { runsRoots: () => defaultRunsRoots(api), resume }, arg);
    }),
    manager.onEvent((specPath, e) => {
      if (e.type !== 'started') return;
      const folder = api.workspace.getWorkspaceFolder(api.Uri.file(specPath));
      const runsFolder = api.workspace.getConfiguration('modelyaml').get<string>('runsFolder') || undefined;
      if (folder) void offerGitignore(api, { folder: folder.uri, state: context.workspaceState, runsFolder });
    }),
  );
  const resume = (spec: vscode.Uri, runDir: string) => execute(spec, { resume: runDir });
  manager.resume = resume;
  return manager;
}
