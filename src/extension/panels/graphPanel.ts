/**
 * The host side of the architecture panel: follows the active spec, asks for its graph and Mermaid
 * text (the language server's `modelyaml/graph`, debounced while the user types) and sends them to
 * the webview, reveals a node's line when the webview asks, and tells the webview which node the
 * editor's cursor is in.
 */
import type * as vscode from 'vscode';
import type { ArchitectureGraph, ArchitectureView, GraphNode } from '../../core/graph';
import { graphStateOrDefault, validateGraphFromWebview, VIEW_TYPES, type GraphFromWebview, type GraphToWebview } from '../../core/protocol/webview';
import { PanelConnection, saveExport, type PanelLog, type VscodeApi } from './host';

export interface GraphPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  /**
   * The graph of a spec document's current version: the language server's answer to
   * `modelyaml/graph` (null when the server does not have the document).
   */
  graph: (document: vscode.TextDocument) => Promise<ArchitectureView | null>;
  /** Quiet time after an edit before the graph is redrawn, in ms. */
  debounceMs?: number;
}

export const isSpecDocument = (d: vscode.TextDocument | undefined): d is vscode.TextDocument =>
  !!d && (d.languageId === 'modelyaml' || /\.model\.ya?ml$/i.test(d.uri.path));

export class GraphPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.graph;
  private conn?: PanelConnection<GraphFromWebview, GraphToWebview>;
  private document?: vscode.TextDocument;
  private graph?: ArchitectureGraph;
  private sentVersion?: string;
  private highlighted: string | null = null;
  private timer?: ReturnType<typeof setTimeout>;
  /** Counts graph requests: only the answer to the newest one is drawn. */
  private requests = 0;
  /** Answers in a row that the server did not have the document. */
  private unanswered = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly o: GraphPanelOptions) {
    const { api } = o;
    this.disposables.push(
      api.workspace.onDidChangeTextDocument((e) => {
        if (this.conn && this.document && e.document.uri.toString() === this.document.uri.toString()) this.schedule();
      }),
      api.window.onDidChangeActiveTextEditor((editor) => {
        if (!this.conn || !isSpecDocument(editor?.document)) return;
        if (editor.document.uri.toString() !== this.document?.uri.toString()) {
          this.document = editor.document;
          this.update(true);
        }
      }),
      api.window.onDidChangeTextEditorSelection((e) => {
        if (this.conn && this.document && e.textEditor.document.uri.toString() === this.document.uri.toString()) {
          this.highlightAt(e.textEditor.document.offsetAt(e.selections[0].active));
        }
      }),
    );
  }

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  /** Opens (or reveals) the panel on a spec (default: the active editor's). */
  async show(uri?: vscode.Uri): Promise<void> {
    const { api } = this.o;
    const doc = uri ? await api.workspace.openTextDocument(uri) : api.window.activeTextEditor?.document;
    if (isSpecDocument(doc)) this.document = doc;
    if (this.conn) {
      this.conn.panel.reveal(undefined, true);
      this.update(true);
      return;
    }
    const panel = api.window.createWebviewPanel(GraphPanel.viewType, 'Architecture', { viewColumn: api.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
    this.attach(panel, undefined);
  }

  /** Restores a panel VS Code kept across a reload (webview serializer). */
  async restore(panel: vscode.WebviewPanel, rawState: unknown): Promise<void> {
    const state = graphStateOrDefault(rawState);
    if (state.uri) {
      try {
        const doc = await this.o.api.workspace.openTextDocument(this.o.api.Uri.parse(state.uri, true));
        if (isSpecDocument(doc)) this.document = doc;
      } catch (e) {
        this.o.log.warn(`architecture panel: could not reopen ${state.uri}: ${(e as Error).message}`);
      }
    }
    if (!this.document && isSpecDocument(this.o.api.window.activeTextEditor?.document)) this.document = this.o.api.window.activeTextEditor!.document;
    this.attach(panel, state);
  }

  private attach(panel: vscode.WebviewPanel, state: unknown): void {
    this.conn?.dispose();
    this.conn = new PanelConnection<GraphFromWebview, GraphToWebview>(panel, {
      api: this.o.api,
      extensionUri: this.o.extensionUri,
      kind: 'graph',
      log: this.o.log,
      validate: validateGraphFromWebview,
      state,
      onReady: () => this.update(true),
      onMessage: (m) => void this.onMessage(m),
    });
    this.disposables.push(
      panel.onDidDispose(() => {
        if (this.conn?.panel !== panel) return;
        this.conn.dispose();
        this.conn = undefined;
        if (this.timer) clearTimeout(this.timer);
      }),
    );
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(false), this.o.debounceMs ?? 300);
  }

  /** Sends the graph (always when `force`, else only when the document changed since the last one). */
  update(force: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const conn = this.conn;
    if (!conn?.isReady) return;
    const doc = this.document;
    if (!doc) {
      this.graph = undefined;
      this.sentVersion = undefined;
      conn.post({ type: 'empty', message: 'Open a *.model.yaml spec to see its architecture.' });
      return;
    }
    const version = `${doc.uri.toString()}@${doc.version}`;
    if (!force && version === this.sentVersion) return;
    this.sentVersion = version;
    const request = ++this.requests;
    this.o.graph(doc).then(
      (view) => {
        if (request === this.requests) this.draw(doc, view);
      },
      (e: unknown) => this.o.log.error(`architecture panel: no graph for ${doc.uri.toString()}: ${(e as Error)?.message ?? e}`),
    );
  }

  private draw(doc: vscode.TextDocument, view: ArchitectureView | null): void {
    const conn = this.conn;
    if (!conn?.isReady || doc !== this.document) return;
    const name = doc.uri.path.split('/').pop() ?? doc.uri.toString();
    conn.panel.title = `Architecture: ${name}`;
    if (!view) {
      // The server has not opened the document (yet: it may be starting, or the editor's didOpen
      // is on its way); ask again a few times, then say why there is nothing to draw.
      this.graph = undefined;
      this.sentVersion = undefined;
      const waiting = this.unanswered++ < 5;
      conn.post({ type: 'empty', message: waiting ? `Waiting for the language server to open ${name}…` : `The language server does not have ${name} open: is its language mode ModelYAML?` });
      if (waiting) this.schedule();
      return;
    }
    this.unanswered = 0;
    const { graph, mermaid, errors } = view;
    if (!graph.nodes.length) {
      this.graph = undefined;
      conn.post({ type: 'empty', message: `${name} has no model yet: add a \`model\` with an \`input\` and \`layers\`.` });
      return;
    }
    this.graph = graph;
    conn.post({ type: 'graph', document: { uri: doc.uri.toString(), fileName: name, version: doc.version }, graph, mermaid, errors });
    const editor = this.o.api.window.activeTextEditor;
    this.highlighted = null;
    if (editor && editor.document.uri.toString() === doc.uri.toString()) this.highlightAt(doc.offsetAt(editor.selection.active));
  }

  /** The innermost node whose source range holds the offset. */
  nodeAt(offset: number): GraphNode | undefined {
    let best: GraphNode | undefined;
    for (const n of this.graph?.nodes ?? []) {
      const r = n.range;
      if (!r || offset < r.start || offset > r.end) continue;
      if (!best || r.end - r.start < best.range!.end - best.range!.start) best = n;
    }
    return best;
  }

  private highlightAt(offset: number): void {
    const id = this.nodeAt(offset)?.id ?? null;
    if (id === this.highlighted) return;
    this.highlighted = id;
    this.conn?.post({ type: 'highlight', nodeId: id });
  }

  private async onMessage(m: Exclude<GraphFromWebview, { type: 'ready' | 'log' }>): Promise<void> {
    const { api } = this.o;
    switch (m.type) {
      case 'reveal': {
        const node = this.graph?.nodes.find((n) => n.id === m.nodeId);
        const doc = this.document;
        if (!node?.range || !doc) {
          this.o.log.warn(`architecture panel: no node ${JSON.stringify(m.nodeId)} to reveal`);
          return;
        }
        const start = doc.positionAt(node.range.start);
        const visible = api.window.visibleTextEditors.find((e) => e.document.uri.toString() === doc.uri.toString());
        const editor = await api.window.showTextDocument(doc, {
          viewColumn: visible?.viewColumn ?? api.ViewColumn.One,
          selection: new api.Range(start, start),
          preserveFocus: false,
        });
        editor.revealRange(new api.Range(start, doc.positionAt(node.range.end)), api.TextEditorRevealType.InCenterIfOutsideViewport);
        break;
      }
      case 'export': {
        const folder = this.document ? api.workspace.getWorkspaceFolder(this.document.uri)?.uri : api.workspace.workspaceFolders?.[0]?.uri;
        const answer = await saveExport(api, m, folder);
        if (answer.outcome === 'failed') this.o.log.error(`architecture panel: export failed: ${answer.message}`);
        this.conn?.post(answer);
        break;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.conn?.panel.dispose();
    this.conn?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
