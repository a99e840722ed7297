/**
 * Hyperparameter search from the editor: a "Run Search" CodeLens on a spec's `search:` key, the
 * `modelyaml.runSearch` command and a `modelyaml-search` task type (so a search can be put in
 * tasks.json). The search runs in the bundled CLI (`node dist/cli.js search …`, a process of its
 * own, as Export does) in a task terminal that prints its lines; Ctrl+C or closing the terminal
 * interrupts it (the journal keeps what ran, and `resume` carries on). The vscode API is passed
 * in, so the tests drive it with a stand-in.
 *
 * package.json (contributes) needs: commands: modelyaml.runSearch; taskDefinitions: modelyaml-search.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { VscodeApi } from './panels/host';
import { requireTrust } from './trust';

export const SEARCH_TASK_TYPE = 'modelyaml-search';
export const RUN_SEARCH_COMMAND = 'modelyaml.runSearch';

export interface SearchTaskDefinition extends vscode.TaskDefinition {
  type: typeof SEARCH_TASK_TYPE;
  /** The spec, relative to the workspace folder (or absolute). */
  spec: string;
  trials?: number;
  parallel?: number;
  /** A search folder (`.modelyaml/searches/<name>/<time>`) or `latest`, to carry on. */
  resume?: string;
}

/** The `search:` key's line in a spec's text (a top-level key), or undefined. */
export function searchKeyLine(text: string): number | undefined {
  const m = /^search[ \t]*:/m.exec(text);
  return m ? text.slice(0, m.index).split('\n').length - 1 : undefined;
}

/** "Run Search" above the `search:` key, when the spec has one. */
export function searchCodeLens(api: VscodeApi, document: Pick<vscode.TextDocument, 'getText' | 'uri'>): vscode.CodeLens | undefined {
  const line = searchKeyLine(document.getText());
  if (line === undefined) return undefined;
  const at = new api.Position(line, 0);
  const range = new api.Range(at, at);
  return new api.CodeLens(range, { title: '$(beaker) Run Search', command: RUN_SEARCH_COMMAND, arguments: [document.uri], tooltip: 'Run the hyperparameter search this section describes (modelyaml search)' });
}

/** The CLI's arguments for a task. */
export function searchArgs(specPath: string, d: Pick<SearchTaskDefinition, 'trials' | 'parallel' | 'resume'>): string[] {
  return [
    'search', specPath,
    ...(d.trials ? ['--trials', String(d.trials)] : []),
    ...(d.parallel ? ['--parallel', String(d.parallel)] : []),
    ...(d.resume ? ['--resume', d.resume] : []),
  ];
}

/** The task's terminal: the CLI's output, line by line; Ctrl+C or closing it interrupts the search. */
class SearchTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter: vscode.EventEmitter<string>;
  private readonly closeEmitter: vscode.EventEmitter<number>;
  readonly onDidWrite: vscode.Event<string>;
  readonly onDidClose: vscode.Event<number>;
  private child?: ChildProcess;

  constructor(
    api: VscodeApi,
    private readonly cliPath: string,
    private readonly args: string[],
    private readonly cwd: string,
  ) {
    this.writeEmitter = new api.EventEmitter<string>();
    this.closeEmitter = new api.EventEmitter<number>();
    this.onDidWrite = this.writeEmitter.event;
    this.onDidClose = this.closeEmitter.event;
  }

  open(): void {
    const write = (s: string) => this.writeEmitter.fire(s.replace(/\r?\n/g, '\r\n'));
    if (!existsSync(this.cliPath)) {
      write(`The search needs the ModelYAML CLI (${this.cliPath}), which this installation lacks: run \`npx modelyaml ${this.args.join(' ')}\` in a terminal.\n`);
      this.closeEmitter.fire(1);
      return;
    }
    const child = fork(this.cliPath, this.args, { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [], env: { ...process.env, NO_COLOR: '1' } });
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => write(b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => write(b.toString('utf8')));
    child.on('error', (e) => write(`error: ${e.message}\n`));
    child.on('close', (code, signal) => this.closeEmitter.fire(code ?? (signal ? 130 : 1)));
  }

  handleInput(data: string): void {
    if (data === '\u0003') this.interrupt();
  }

  close(): void {
    this.interrupt();
  }

  private interrupt(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
  }
}

export interface SearchDeps {
  api: VscodeApi;
  /** The bundled CLI (`<extension>/dist/cli.js`). */
  cliPath: string;
  /** A search task of this spec is starting (the search panel opens on its search). */
  onStarted?: (specPath: string) => void;
}

/** A task that runs a search of `definition.spec` in a terminal. */
export function searchTask(d: SearchDeps, definition: SearchTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope): vscode.Task {
  const { api } = d;
  const folder = typeof scope === 'object' ? scope.uri.fsPath : undefined;
  const specPath = path.isAbsolute(definition.spec) || !folder ? definition.spec : path.join(folder, definition.spec);
  const cwd = folder ?? path.dirname(specPath);
  const task = new api.Task(
    definition,
    scope,
    `search ${path.basename(definition.spec)}`,
    SEARCH_TASK_TYPE,
    new api.CustomExecution(async () => {
      d.onStarted?.(specPath); // from the lens, the command or tasks.json alike
      return new SearchTerminal(api, d.cliPath, searchArgs(specPath, definition), cwd);
    }),
  );
  task.presentationOptions = { reveal: api.TaskRevealKind.Always, panel: api.TaskPanelKind.Dedicated, clear: true };
  return task;
}

/** The task provider (tasks.json entries of type `modelyaml-search`) and the Run Search command. */
export function registerSearch(d: SearchDeps): vscode.Disposable[] {
  const { api } = d;
  return [
    api.tasks.registerTaskProvider(SEARCH_TASK_TYPE, {
      // Searches are started from the lens or tasks.json: none offered unasked (each is long).
      provideTasks: () => [],
      resolveTask: (task) => {
        const def = task.definition as SearchTaskDefinition;
        return def.spec ? searchTask(d, def, task.scope ?? api.TaskScope.Workspace) : undefined;
      },
    }),
    api.commands.registerCommand(RUN_SEARCH_COMMAND, async (uri?: vscode.Uri) => {
      if (!requireTrust(api, 'A search')) return;
      const spec = uri ?? api.window.activeTextEditor?.document.uri;
      if (!spec || !/\.model\.ya?ml$/.test(spec.fsPath)) {
        void api.window.showInformationMessage('Open a *.model.yaml spec with a `search:` section to run its search.');
        return;
      }
      const doc = api.workspace.textDocuments.find((x) => x.uri.toString() === spec.toString());
      if (doc?.isDirty) await doc.save(); // search what the user sees
      const folder = api.workspace.getWorkspaceFolder(spec);
      const rel = folder ? path.relative(folder.uri.fsPath, spec.fsPath) : spec.fsPath;
      await api.tasks.executeTask(searchTask(d, { type: SEARCH_TASK_TYPE, spec: rel }, folder ?? api.TaskScope.Workspace));
    }),
  ];
}
