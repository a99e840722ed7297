/**
 * The host side of the comparison panel: shows a `SpecDiff` (one panel, reused: a new comparison
 * replaces the last) and answers every `ready` with it.
 */
import type * as vscode from 'vscode';
import type { SpecDiff } from '../../core/diff/types';
import { validateDiffFromWebview, type DiffFromWebview, type DiffToWebview } from '../../core/protocol/diffWebview';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { PanelConnection, type PanelLog, type VscodeApi } from './host';

export interface DiffPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
}

export class DiffPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.diff;
  private conn?: PanelConnection<DiffFromWebview, DiffToWebview>;
  private diff?: SpecDiff;

  constructor(private readonly o: DiffPanelOptions) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  show(diff: SpecDiff): void {
    this.diff = diff;
    const title = `Compare: ${diff.before.label.split('/').pop()} ↔ ${diff.after.label.split('/').pop()}`;
    if (this.conn) {
      this.conn.panel.title = title;
      this.conn.panel.reveal(undefined, false);
      this.send();
      return;
    }
    const { api } = this.o;
    const panel = api.window.createWebviewPanel(DiffPanel.viewType, title, { viewColumn: api.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true });
    this.conn = new PanelConnection<DiffFromWebview, DiffToWebview>(panel, {
      api,
      extensionUri: this.o.extensionUri,
      kind: 'diff',
      log: this.o.log,
      validate: validateDiffFromWebview,
      onReady: () => this.send(),
      // The webview only says `ready` and `log`, which the connection handles.
      onMessage: () => undefined,
    });
    panel.onDidDispose(() => {
      if (this.conn?.panel !== panel) return;
      this.conn.dispose();
      this.conn = undefined;
    });
  }

  private send(): void {
    this.conn?.post(this.diff ? { type: 'diff', diff: this.diff } : { type: 'empty', message: 'Run "ModelYAML: Compare Model with…" on a spec.' });
  }

  dispose(): void {
    this.conn?.panel.dispose();
    this.conn?.dispose();
  }
}
