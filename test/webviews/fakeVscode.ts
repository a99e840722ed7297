/**
 * A stand-in for the parts of the `vscode` API the panel hosts use, so the real hosts
 * (`src/extension/panels/`) run in tests: webview panels whose HTML is loaded in Chromium and whose
 * messages cross to the page, text documents that can be edited, editors with a selection, a save
 * dialog that answers with a chosen path.
 */
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { LineIndex } from '../../src/core/diagnostics';
import type { VscodeApi } from '../../src/extension/panels/host';
import { fakeEdits, WorkspaceEdit, type FakeEdits } from './fakeEdits';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    private readonly raw?: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static parse(s: string): Uri {
    if (s.startsWith('file:')) return Uri.file(fileURLToPath(s));
    const m = /^([a-z][\w+.-]*):(.*)$/i.exec(s);
    return new Uri(m?.[1] ?? 'file', m?.[2] ?? s, s);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path.replace(/\/+$/, ''), ...parts].join('/'));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.raw ?? (this.scheme === 'file' ? pathToFileURL(this.path).toString() : `${this.scheme}:${this.path}`);
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}

export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; arguments?: unknown[]; tooltip?: string },
  ) {}
}

export class Selection extends Range {
  get active(): Position {
    return this.end;
  }
}

export class FakeDocument {
  version = 1;
  readonly languageId = 'modelyaml';
  private lines: LineIndex;
  constructor(
    readonly uri: Uri,
    private text: string,
  ) {
    this.lines = new LineIndex(text);
  }
  getText(): string {
    return this.text;
  }
  positionAt(offset: number): Position {
    const p = this.lines.position(offset);
    return new Position(p.line, p.character);
  }
  offsetAt(p: Position): number {
    return this.lines.offset(p.line, p.character);
  }
  setText(text: string): void {
    this.text = text;
    this.lines = new LineIndex(text);
    this.version++;
  }
}

export class FakeEditor {
  selection: Selection;
  viewColumn = 1;
  revealed: Range[] = [];
  constructor(readonly document: FakeDocument) {
    this.selection = new Selection(new Position(0, 0), new Position(0, 0));
  }
  get selections(): Selection[] {
    return [this.selection];
  }
  revealRange(r: Range): void {
    this.revealed.push(r);
  }
}

export interface FakeWebview {
  options: unknown;
  html: string;
  readonly cspSource: string;
  asWebviewUri(u: Uri): Uri;
  postMessage(m: unknown): Promise<boolean>;
  onDidReceiveMessage: EventEmitter<unknown>['event'];
}

export class FakePanel {
  readonly received = new EventEmitter<unknown>();
  readonly disposed = new EventEmitter<void>();
  readonly viewState = new EventEmitter<{ webviewPanel: FakePanel }>();
  /** Messages the host posted, in order. */
  readonly posted: unknown[] = [];
  /** Where posted messages go (the page), set when the page is connected. */
  deliver?: (m: unknown) => Promise<void>;
  private chain: Promise<void> = Promise.resolve();
  title: string;
  visible = true;
  revealed = 0;
  readonly webview: FakeWebview;

  constructor(
    readonly viewType: string,
    title: string,
    origin: string,
  ) {
    this.title = title;
    this.webview = {
      options: undefined,
      html: '',
      cspSource: origin,
      asWebviewUri: (u: Uri) => Uri.parse(`${origin}/${basename(u.path)}`),
      postMessage: (m: unknown) => {
        this.posted.push(m);
        // Keep the host's order: each delivery waits for the one before.
        this.chain = this.chain.then(() => this.deliver?.(m)).catch(() => undefined);
        return Promise.resolve(true);
      },
      onDidReceiveMessage: this.received.event,
    };
  }
  /** Resolves when everything posted so far reached the page. */
  delivered(): Promise<void> {
    return this.chain;
  }
  reveal(): void {
    this.revealed++;
  }
  onDidDispose = (l: () => void) => this.disposed.event(l);
  onDidChangeViewState = (l: (e: { webviewPanel: FakePanel }) => void) => this.viewState.event(l);
  dispose(): void {
    this.disposed.fire();
  }
}

export interface FakeVscode {
  api: VscodeApi;
  panels: FakePanel[];
  documents: Map<string, FakeDocument>;
  serializers: Map<string, { deserializeWebviewPanel(panel: unknown, state: unknown): unknown }>;
  commands: Map<string, (...args: unknown[]) => unknown>;
  /** Opens a document from disk (or text) and shows it in the active editor. */
  openEditor(path: string, text?: string): FakeEditor;
  /** Moves the active editor's cursor and fires the selection event. */
  moveCursor(offset: number): void;
  /** Replaces a document's text and fires the change event. */
  edit(doc: FakeDocument, text: string): void;
  activeEditor(): FakeEditor | undefined;
  /** What the save dialog answers next (undefined: the user cancels). */
  saveTo?: string;
  logs: string[];
  /** Creates a panel as VS Code does for a restored webview. */
  newPanel(viewType: string): FakePanel;
  /** Notifications shown (information, warning, error), in order. */
  messages: FakeMessage[];
  /** The titles of the progress notifications shown (`window.withProgress`), in order. */
  progress: string[];
  /** What the tasks of progress notifications reported (`progress.report`), in order. */
  progressReports: { message?: string; increment?: number }[];
  /** Clicks Cancel on the progress notifications open now (those shown with `cancellable: true`). */
  cancelProgress(): void;
  /** Answers a notification (the item the user clicks; undefined: dismissed). Default: dismissed. */
  answer?: (m: FakeMessage) => string | undefined;
  /** Context keys set with `setContext`. */
  contexts: Map<string, unknown>;
  /** Terminals of the tasks executed (`tasks.executeTask` with a CustomExecution). */
  terminals: FakeTerminal[];
  /** Documents shown with `showTextDocument`, with the options they were shown with. */
  shown: { path: string; options?: unknown }[];
  /** Grants Workspace Trust (fires `onDidGrantWorkspaceTrust`). */
  grantTrust(): void;
  /** Task providers registered, by task type. */
  taskProviders: Map<string, { provideTasks(): unknown }>;
  /** Fires when a task's terminal opens. */
  terminalOpened: EventEmitter<FakeTerminal>;
  /** Picks from a quick pick (undefined: the user cancels). Default: cancels. */
  pick?: (items: { label: string }[]) => { label: string } | undefined;
  /** What an input box answers (undefined: the user cancels). */
  input?: string;
  /** When set, answers each input box from its options instead of `input` (several boxes in a row). */
  inputFor?: (options: { title?: string; prompt?: string; password?: boolean }) => string | undefined;
  /** The options of every input box shown, in order. */
  inputBoxes: { title?: string; prompt?: string; password?: boolean }[];
  /** Sets a document's diagnostics and fires `languages.onDidChangeDiagnostics`. */
  setDiagnostics(uri: Uri, diagnostics: unknown[]): void;
  /** Tree views created (`window.createTreeView`), by view id. */
  treeViews: Map<string, { treeDataProvider: unknown }>;
  /** Fires every watcher's change event for a file, as VS Code does when it changes on disk. */
  fileChanged(path: string): void;
  /** WorkspaceEdits applied, and Undo. */
  edits: FakeEdits;
}

interface FakeCancellationToken {
  isCancellationRequested: boolean;
  onCancellationRequested: EventEmitter<void>['event'];
}

export interface FakeMessage {
  level: 'info' | 'warning' | 'error';
  text: string;
  items: string[];
}

/** A task's pseudoterminal, opened as VS Code opens it, with what it wrote and how it closed. */
export class FakeTerminal {
  output = '';
  private closeListeners: ((code: number) => void)[] = [];
  readonly closed: Promise<number>;
  exitCode?: number;
  constructor(
    readonly name: string,
    readonly pty: { onDidWrite: (l: (s: string) => void) => unknown; onDidClose?: (l: (c: number | void) => void) => unknown; open(d: unknown): void; handleInput?(s: string): void; close(): void },
  ) {
    this.closed = new Promise((resolve) => this.closeListeners.push(resolve));
    pty.onDidWrite((s) => (this.output += s));
    pty.onDidClose?.((c) => {
      this.exitCode = c ?? 0;
      for (const l of this.closeListeners) l(this.exitCode);
    });
    pty.open(undefined);
  }
  /** The terminal's text as lines. */
  lines(): string[] {
    return this.output.split(/\r?\n/).filter(Boolean);
  }
  /** Types into the terminal (\u0003 is Ctrl+C). */
  type(data: string): void {
    this.pty.handleInput?.(data);
  }
}

/** Stand-ins for the task API's classes: data holders, as in VS Code. */
export class FakeTask {
  group?: unknown;
  presentationOptions?: unknown;
  constructor(
    readonly definition: Record<string, unknown>,
    readonly scope: unknown,
    readonly name: string,
    readonly source: string,
    readonly execution?: { callback: () => Promise<FakeTerminal['pty']> },
  ) {}
}

/** Stand-ins for the tree view API's classes: data holders, as in VS Code. */
export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export class TreeItem {
  description?: string;
  tooltip?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  id?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    readonly label: string,
    readonly collapsibleState: number,
  ) {}
}

/** A file-system watcher whose events a test fires (`FakeVscode.fileChanged`). */
export class FakeWatcher {
  readonly created = new EventEmitter<Uri>();
  readonly changed = new EventEmitter<Uri>();
  readonly deleted = new EventEmitter<Uri>();
  readonly onDidCreate = this.created.event;
  readonly onDidChange = this.changed.event;
  readonly onDidDelete = this.deleted.event;
  constructor(readonly glob: unknown) {}
  dispose(): void {}
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
}

export function fakeVscode(o: { origin: string; workspace?: string; config?: Record<string, unknown>; trusted?: boolean }): FakeVscode {
  const panels: FakePanel[] = [];
  const documents = new Map<string, FakeDocument>();
  const serializers = new Map<string, { deserializeWebviewPanel(panel: unknown, state: unknown): unknown }>();
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const changeDoc = new EventEmitter<{ document: FakeDocument }>();
  const changeActive = new EventEmitter<FakeEditor | undefined>();
  const changeSelection = new EventEmitter<{ textEditor: FakeEditor; selections: Selection[] }>();
  let active: FakeEditor | undefined;
  const editors: FakeEditor[] = [];
  const logs: string[] = [];
  const messages: FakeMessage[] = [];
  const progress: string[] = [];
  const progressReports: FakeVscode['progressReports'] = [];
  const cancellers = new Set<() => void>();
  const contexts = new Map<string, unknown>();
  const terminals: FakeTerminal[] = [];
  const shown: { path: string; options?: unknown }[] = [];
  const grantTrust = new EventEmitter<void>();
  let trusted = o.trusted ?? true;
  const taskProviders = new Map<string, { provideTasks(): unknown }>();
  const terminalOpened = new EventEmitter<FakeTerminal>();
  const diagnostics = new Map<string, unknown[]>();
  const changeDiagnostics = new EventEmitter<{ uris: Uri[] }>();
  const treeViews = new Map<string, { treeDataProvider: unknown }>();
  const watchers: FakeWatcher[] = [];
  const notify = (level: FakeMessage['level']) => async (text: string, ...rest: unknown[]) => {
    const items = rest.filter((r): r is string => typeof r === 'string');
    const m = { level, text, items };
    messages.push(m);
    return self.answer?.(m);
  };

  const docFor = (uri: Uri, text?: string) => {
    const key = uri.toString();
    let d = documents.get(key);
    if (!d) {
      d = new FakeDocument(uri, text ?? readFileSync(uri.fsPath, 'utf8'));
      documents.set(key, d);
    }
    return d;
  };
  const show = (doc: FakeDocument) => {
    let e = editors.find((x) => x.document === doc);
    if (!e) {
      e = new FakeEditor(doc);
      editors.push(e);
    }
    if (active !== e) {
      active = e;
      changeActive.fire(e);
    }
    return e;
  };

  const self: FakeVscode = {
    panels,
    documents,
    serializers,
    commands,
    logs,
    saveTo: undefined,
    inputBoxes: [],
    openEditor(path, text) {
      return show(docFor(Uri.file(path), text));
    },
    moveCursor(offset) {
      if (!active) return;
      const p = active.document.positionAt(offset);
      active.selection = new Selection(p, p);
      changeSelection.fire({ textEditor: active, selections: [active.selection] });
    },
    edit(doc, text) {
      doc.setText(text);
      changeDoc.fire({ document: doc });
    },
    activeEditor: () => active,
    messages,
    progress,
    progressReports,
    cancelProgress: () => [...cancellers].forEach((cancel) => cancel()),
    contexts,
    terminals,
    shown,
    grantTrust() {
      trusted = true;
      grantTrust.fire();
    },
    taskProviders,
    terminalOpened,
    setDiagnostics(uri, list) {
      diagnostics.set(uri.toString(), list);
      changeDiagnostics.fire({ uris: [uri] });
    },
    treeViews,
    fileChanged(path) {
      for (const w of watchers) w.changed.fire(Uri.file(path));
    },
    newPanel(viewType) {
      const p = new FakePanel(viewType, viewType, o.origin);
      panels.push(p);
      return p;
    },
    api: undefined as unknown as VscodeApi,
    edits: fakeEdits((uri) => docFor(uri as Uri), (doc, text) => self.edit(doc, text)),
  };

  const api = {
    Uri,
    Range,
    Position,
    Selection,
    CodeLens,
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
    window: {
      get activeTextEditor() {
        return active;
      },
      get visibleTextEditors() {
        return editors;
      },
      createWebviewPanel(viewType: string, title: string) {
        const p = new FakePanel(viewType, title, o.origin);
        panels.push(p);
        return p;
      },
      async showTextDocument(target: FakeDocument | Uri, opts?: { selection?: Range }) {
        const doc = target instanceof Uri ? docFor(target) : target;
        shown.push({ path: doc.uri.fsPath, options: opts });
        const e = show(doc);
        if (opts?.selection) {
          e.selection = new Selection(opts.selection.start, opts.selection.end);
          changeSelection.fire({ textEditor: e, selections: [e.selection] });
        }
        return e;
      },
      async showSaveDialog() {
        return self.saveTo ? Uri.file(self.saveTo) : undefined;
      },
      showInformationMessage: notify('info'),
      async withProgress<R>(o: { title?: string; cancellable?: boolean }, task: (p: { report(v: { message?: string; increment?: number }): void }, token: FakeCancellationToken) => Promise<R>) {
        progress.push(o.title ?? '');
        const cancelled = new EventEmitter<void>();
        const token = { isCancellationRequested: false, onCancellationRequested: cancelled.event };
        const cancel = () => {
          token.isCancellationRequested = true;
          cancelled.fire();
        };
        if (o.cancellable) cancellers.add(cancel);
        try {
          return await task({ report: (v) => progressReports.push(v) }, token);
        } finally {
          cancellers.delete(cancel);
        }
      },
      showWarningMessage: notify('warning'),
      showErrorMessage: notify('error'),
      createStatusBarItem: () => ({ text: '', tooltip: '', command: undefined, name: '', show() {}, hide() {}, dispose() {} }),
      async showQuickPick<T extends { label: string }>(items: T[] | Promise<T[]>) {
        return self.pick?.(await items) as T | undefined;
      },
      async showInputBox(options: { title?: string; prompt?: string; password?: boolean } = {}) {
        self.inputBoxes.push(options);
        return self.inputFor ? self.inputFor(options) : self.input;
      },
      onDidChangeActiveTextEditor: changeActive.event,
      onDidChangeTextEditorSelection: changeSelection.event,
      createTreeView(id: string, options: { treeDataProvider: unknown }) {
        treeViews.set(id, options);
        return new Disposable(() => treeViews.delete(id));
      },
      registerWebviewPanelSerializer(viewType: string, s: { deserializeWebviewPanel(panel: unknown, state: unknown): unknown }) {
        serializers.set(viewType, s);
        return { dispose: () => serializers.delete(viewType) };
      },
    },
    workspace: {
      workspaceFolders: o.workspace ? [{ uri: Uri.file(o.workspace), name: basename(o.workspace), index: 0 }] : undefined,
      asRelativePath: (uri: Uri | string) => {
        const path = typeof uri === 'string' ? uri : uri.fsPath;
        return o.workspace && path.startsWith(`${o.workspace}/`) ? path.slice(o.workspace.length + 1) : path;
      },
      getWorkspaceFolder: () => (o.workspace ? { uri: Uri.file(o.workspace), name: basename(o.workspace), index: 0 } : undefined),
      getConfiguration: () => ({ get: (k: string) => o.config?.[k] }),
      get isTrusted() {
        return trusted;
      },
      onDidGrantWorkspaceTrust: grantTrust.event,
      createFileSystemWatcher: (glob: unknown) => {
        const w = new FakeWatcher(glob);
        watchers.push(w);
        return w;
      },
      // Walks the workspace for names ending as the include glob's `*<suffix>` says (one {a,b} group);
      // skips the folders an exclude of the form {**/<folder>/**,…} names. Enough for the globs the extension uses.
      async findFiles(include: string, exclude?: string) {
        if (!o.workspace) return [];
        const skip = new Set([...(exclude ?? '').matchAll(/\*\*\/([^/*{},]+)\/\*\*/g)].map((m) => m[1]));
        const suffix = include.replace(/^(\*\*\/)?\*/, '');
        const group = /\{([^}]+)\}/.exec(suffix);
        const ends = group ? group[1].split(',').map((alt) => suffix.replace(group[0], alt)) : [suffix];
        const out: Uri[] = [];
        const walk = (dir: string) => {
          for (const d of readdirSync(dir, { withFileTypes: true })) {
            if (d.isDirectory()) {
              if (!skip.has(d.name)) walk(`${dir}/${d.name}`);
            } else if (ends.some((e) => d.name.endsWith(e))) out.push(Uri.file(`${dir}/${d.name}`));
          }
        };
        walk(o.workspace);
        return out;
      },
      onDidChangeTextDocument: changeDoc.event,
      applyEdit: (e: WorkspaceEdit) => self.edits.applyEdit(e),
      async openTextDocument(uri: Uri) {
        return docFor(uri);
      },
      get textDocuments() {
        return [...documents.values()];
      },
      fs: {
        async writeFile(uri: Uri, bytes: Uint8Array) {
          mkdirSync(dirname(uri.fsPath), { recursive: true });
          writeFileSync(uri.fsPath, bytes);
        },
        async readFile(uri: Uri) {
          return new Uint8Array(readFileSync(uri.fsPath));
        },
        async stat(uri: Uri) {
          const st = statSync(uri.fsPath);
          return { type: st.isDirectory() ? 2 : 1, size: st.size, ctime: st.ctimeMs, mtime: st.mtimeMs };
        },
        async readDirectory(uri: Uri) {
          return readdirSync(uri.fsPath, { withFileTypes: true }).map((d) => [d.name, d.isDirectory() ? 2 : 1]);
        },
        async copy(from: Uri, to: Uri) {
          // As VS Code's: a folder is copied with everything in it.
          mkdirSync(dirname(to.fsPath), { recursive: true });
          if (statSync(from.fsPath).isDirectory()) cpSync(from.fsPath, to.fsPath, { recursive: true });
          else copyFileSync(from.fsPath, to.fsPath);
        },
      },
    },
    // No built-in git extension here: "Compare Model with…" falls back to `git show`.
    extensions: { getExtension: () => undefined },
    commands: {
      registerCommand(id: string, run: (...args: unknown[]) => unknown) {
        commands.set(id, run);
        return { dispose: () => commands.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        if (id === 'setContext') contexts.set(args[0] as string, args[1]);
        return commands.get(id)?.(...args);
      },
    },
    Disposable,
    EventEmitter,
    WorkspaceEdit,
    TreeItem,
    ThemeIcon,
    ThemeColor,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    FileType: { File: 1, Directory: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    Task: FakeTask,
    CustomExecution: class {
      constructor(readonly callback: () => Promise<FakeTerminal['pty']>) {}
    },
    TaskGroup: { Build: 'build', Test: 'test' },
    TaskScope: { Global: 1, Workspace: 2 },
    TaskRevealKind: { Always: 1, Silent: 2, Never: 3 },
    TaskPanelKind: { Shared: 1, Dedicated: 2, New: 3 },
    tasks: {
      registerTaskProvider(type: string, provider: { provideTasks(): unknown }) {
        taskProviders.set(type, provider);
        return new Disposable(() => taskProviders.delete(type));
      },
      async executeTask(task: FakeTask) {
        const pty = await task.execution!.callback();
        const terminal = new FakeTerminal(task.name, pty);
        terminals.push(terminal);
        terminalOpened.fire(terminal);
        return { task };
      },
    },
    languages: {
      getDiagnostics: (uri: Uri) => diagnostics.get(uri.toString()) ?? [],
      onDidChangeDiagnostics: changeDiagnostics.event,
    },
  };
  self.api = api as unknown as VscodeApi;
  return self;
}

/** A log that keeps what the hosts write. */
export function memoryLog(lines: string[]) {
  return {
    info: (m: string) => lines.push(`info: ${m}`),
    warn: (m: string) => lines.push(`warn: ${m}`),
    error: (m: string) => lines.push(`error: ${m}`),
  };
}

/**
 * The extension context the training host and the panels need: the trainer bundle found through
 * `asAbsolutePath` (in `bundleDir`, a built trainer), an empty workspace state, the repository as
 * the extension's folder.
 */
export function fakeContext(subscriptions: { dispose(): unknown }[], bundleDir: string, root: string) {
  return {
    subscriptions,
    asAbsolutePath: (p: string) => join(bundleDir, p.replace(/^dist\/?/, '')),
    workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    extensionUri: Uri.file(root),
  };
}
