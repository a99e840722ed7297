/**
 * What both panel hosts share: the webview's options and HTML (strict CSP, fresh nonce, only the
 * bundle folder readable), the ready handshake, validation of every incoming message, and saving
 * exports. The vscode API is passed in (type-only import), so the hosts run under test with a
 * stand-in.
 */
import type * as vscode from 'vscode';
import { WEBVIEW_PROTOCOL_VERSION, type ExportMessage, type ExportedMessage, type LogMessage, type PanelKind, type ReadyMessage, type Validated } from '../../core/protocol/webview';
import { makeNonce, panelHtml } from './html';

export type VscodeApi = typeof vscode;

/** The log the hosts write to (a `LogOutputChannel`, or anything with these methods). */
export interface PanelLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function toPanelLog(output?: Partial<PanelLog> & { appendLine?(s: string): void }): PanelLog {
  const line = (level: string) => (m: string) => {
    if (output?.appendLine) output.appendLine(`[${level}] ${m}`);
    else if (level === 'error') console.error(m);
    else console.warn(m);
  };
  return {
    info: output?.info?.bind(output) ?? line('info'),
    warn: output?.warn?.bind(output) ?? line('warning'),
    error: output?.error?.bind(output) ?? line('error'),
  };
}

/** The folder the bundles are served from: the only local resource root. */
export function bundleRoot(api: VscodeApi, extensionUri: vscode.Uri): vscode.Uri {
  return api.Uri.joinPath(extensionUri, 'dist', 'webviews');
}

export function webviewOptions(api: VscodeApi, extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [bundleRoot(api, extensionUri)], retainContextWhenHidden: false };
}

/**
 * A webview connection: the HTML, the handshake (nothing is sent before the webview says `ready`;
 * every `ready` is answered with the full state) and validated messages in both directions.
 */
export class PanelConnection<In extends { type: string }, Out extends { type: string }> {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly opts: {
      api: VscodeApi;
      extensionUri: vscode.Uri;
      kind: PanelKind;
      log: PanelLog;
      validate: (v: unknown) => Validated<In>;
      /** The webview is (again) ready: send it everything. */
      onReady: () => void;
      onMessage: (m: Exclude<In, ReadyMessage | LogMessage>) => void;
      state?: unknown;
      /** The user closed the panel (this connection is disposed by then). */
      onClosed?: () => void;
    },
  ) {
    const { api, extensionUri, kind } = opts;
    const webview = panel.webview;
    webview.options = webviewOptions(api, extensionUri);
    const root = bundleRoot(api, extensionUri);
    webview.html = panelHtml({
      panel: kind,
      scriptUri: webview.asWebviewUri(api.Uri.joinPath(root, `${kind}.js`)).toString(),
      styleUri: webview.asWebviewUri(api.Uri.joinPath(root, `${kind}.css`)).toString(),
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      state: opts.state,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      // Hidden webviews are torn down (retainContextWhenHidden is off): wait for the next `ready`.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
    const onClosed = opts.onClosed;
    if (onClosed) {
      this.disposables.push(
        panel.onDidDispose(() => {
          this.dispose();
          onClosed();
        }),
      );
    }
  }

  get isReady(): boolean {
    return this.ready;
  }

  private receive(raw: unknown): void {
    const r = this.opts.validate(raw);
    if (!r.ok) {
      this.opts.log.warn(`${this.opts.kind} panel: dropped an invalid message from the webview: ${r.error}`);
      return;
    }
    const m = r.value as In;
    if (m.type === 'ready') {
      const v = (m as unknown as ReadyMessage).version;
      if (v !== WEBVIEW_PROTOCOL_VERSION) this.opts.log.warn(`${this.opts.kind} panel: the webview speaks protocol ${v}, the host ${WEBVIEW_PROTOCOL_VERSION} (reload the window after updating)`);
      this.ready = true;
      this.opts.onReady();
      return;
    }
    if (m.type === 'log') {
      const l = m as unknown as LogMessage;
      const text = `${this.opts.kind} panel: ${l.message}`;
      if (l.level === 'error') this.opts.log.error(text);
      else if (l.level === 'warning') this.opts.log.warn(text);
      else this.opts.log.info(text);
      return;
    }
    try {
      this.opts.onMessage(m as Exclude<In, ReadyMessage | LogMessage>);
    } catch (e) {
      this.opts.log.error(`${this.opts.kind} panel: handling \`${m.type}\` failed: ${(e as Error)?.stack ?? e}`);
    }
  }

  /** Sends a message if the webview is ready (otherwise it will get the full state on `ready`). */
  post(message: Out): boolean {
    if (!this.ready) return false;
    void this.panel.webview.postMessage(message);
    return true;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

const filters: Record<string, Record<string, string[]>> = {
  csv: { CSV: ['csv'] },
  json: { JSON: ['json'] },
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  mmd: { Mermaid: ['mmd'] },
};

/** Asks where to save an export and writes it; the answer goes back to the webview. */
export async function saveExport(api: VscodeApi, m: ExportMessage<string>, defaultFolder: vscode.Uri | undefined): Promise<ExportedMessage> {
  try {
    const target = await api.window.showSaveDialog({
      defaultUri: defaultFolder ? api.Uri.joinPath(defaultFolder, m.fileName) : undefined,
      filters: filters[m.format] ?? {},
      saveLabel: `Export ${m.format.toUpperCase()}`,
    });
    if (!target) return { type: 'exported', format: m.format, outcome: 'cancelled' };
    const bytes = m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8');
    await api.workspace.fs.writeFile(target, bytes);
    return { type: 'exported', format: m.format, outcome: 'saved', path: target.fsPath };
  } catch (e) {
    return { type: 'exported', format: m.format, outcome: 'failed', message: (e as Error)?.message ?? String(e) };
  }
}
