/**
 * The host side of the comparison panel: shows a `SpecDiff` (one panel, reused: a new comparison
 * replaces the last) and answers every `ready` with it. The webview keeps where both sides came
 * from in its state, so a panel VS Code restores after a reload reads them again (`restore`).
 */
import type * as vscode from 'vscode';
import type { SpecDiff } from '../../core/diff/types';
import { diffSourcesOf, validateDiffFromWebview, type DiffFromWebview, type DiffSources, type DiffToWebview } from '../../core/protocol/diffWebview';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { PanelConnection, type PanelLog, type VscodeApi } from './host';

export interface DiffPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  /** Reads both sides again and compares them (a restored panel). */
  read: (sources: DiffSources) => Promise<SpecDiff>;
}

const NOTHING_YET = 'Run "ModelYAML: Compare Model with…" on a spec.';

export class DiffPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.diff;
  private conn?: PanelConnection<DiffFromWebview, DiffToWebview>;
  private diff?: SpecDiff;
  private sources?: DiffSources;
  /** Shown instead of a comparison: a restored panel reading its sides again, or why it could not. */
  private notice?: string;

  constructor(private readonly o: DiffPanelOptions) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  show(diff: SpecDiff, sources?: DiffSources): void {
    this.diff = diff;
    this.sources = sources;
    this.notice = undefined;
    if (this.conn) {
      this.conn.panel.title = titleOf(diff);
      this.conn.panel.reveal(undefined, false);
      this.send();
      return;
    }
    const { api } = this.o;
    this.attach(api.window.createWebviewPanel(DiffPanel.viewType, titleOf(diff), { viewColumn: api.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true }));
  }

  /** Restores a panel VS Code kept across a reload: both sides are read again from where they came. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    this.attach(panel);
    const sources = diffSourcesOf(state);
    if (!sources) return;
    this.notice = 'Reading both sides of the comparison again…';
    try {
      const diff = await this.o.read(sources);
      if (this.conn?.panel !== panel) return;
      this.diff = diff;
      this.sources = sources;
      this.notice = undefined;
      panel.title = titleOf(diff);
    } catch (e) {
      if (this.conn?.panel !== panel) return;
      this.notice = `The comparison could not be read again: ${(e as Error)?.message ?? e}`;
      this.o.log.warn(`diff panel: ${this.notice}`);
    }
    this.send();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.conn?.dispose();
    this.conn = new PanelConnection<DiffFromWebview, DiffToWebview>(panel, {
      api: this.o.api,
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
    if (!this.conn?.isReady) return;
    if (this.notice) this.conn.post({ type: 'empty', message: this.notice });
    else this.conn.post(this.diff ? { type: 'diff', diff: this.diff, ...(this.sources && { sources: this.sources }) } : { type: 'empty', message: NOTHING_YET });
  }

  dispose(): void {
    this.conn?.panel.dispose();
    this.conn?.dispose();
  }
}

function titleOf(diff: SpecDiff): string {
  return `Compare: ${diff.before.label.split('/').pop()} ↔ ${diff.after.label.split('/').pop()}`;
}
