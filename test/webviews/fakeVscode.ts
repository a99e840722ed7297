/**
 * A stand-in for the parts of the `vscode` API the panel hosts use, so the real hosts
 * (`src/extension/panels/`) run in tests: webview panels whose HTML is loaded in Chromium and whose
 * messages cross to the page, text documents that can be edited, editors with a selection, a save
 * dialog that answers with a chosen path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { LineIndex } from '../../src/core/diagnostics';
import type { VscodeApi } from '../../src/extension/panels/host';

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
}

export function fakeVscode(o: { origin: string; workspace?: string; config?: Record<string, unknown> }): FakeVscode {
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
    newPanel(viewType) {
      const p = new FakePanel(viewType, viewType, o.origin);
      panels.push(p);
      return p;
    },
    api: undefined as unknown as VscodeApi,
  };

  const api = {
    Uri,
    Range,
    Position,
    Selection,
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
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
      async showTextDocument(doc: FakeDocument, opts?: { selection?: Range }) {
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
      onDidChangeActiveTextEditor: changeActive.event,
      onDidChangeTextEditorSelection: changeSelection.event,
      registerWebviewPanelSerializer(viewType: string, s: { deserializeWebviewPanel(panel: unknown, state: unknown): unknown }) {
        serializers.set(viewType, s);
        return { dispose: () => serializers.delete(viewType) };
      },
    },
    workspace: {
      workspaceFolders: o.workspace ? [{ uri: Uri.file(o.workspace), name: basename(o.workspace), index: 0 }] : undefined,
      getWorkspaceFolder: () => (o.workspace ? { uri: Uri.file(o.workspace), name: basename(o.workspace), index: 0 } : undefined),
      getConfiguration: () => ({ get: (k: string) => o.config?.[k] }),
      onDidChangeTextDocument: changeDoc.event,
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
      },
    },
    commands: {
      registerCommand(id: string, run: (...args: unknown[]) => unknown) {
        commands.set(id, run);
        return { dispose: () => commands.delete(id) };
      },
      executeCommand: (id: string, ...args: unknown[]) => commands.get(id)?.(...args),
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
