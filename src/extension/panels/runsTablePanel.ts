/**
 * The host side of the runs table panel: the runs of one group (a spec's, or a search's) as the
 * core's table, re-sent when runs change (the runs view's watcher calls `refresh`); the webview's
 * requests go to the shared run actions (compare curves, spec copy, resume, delete with a confirm).
 */
import type * as vscode from 'vscode';
import { groupRuns, runsTable, type RunGroup } from '../../core/runs/table';
import { validateRunsFromWebview, type RunsFromWebview, type RunsToWebview } from '../../core/protocol/runsWebview';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { workspaceRuns } from '../../node/runSummaries';
import type { RunActions } from '../runs/actions';
import { PanelConnection, type PanelLog, type VscodeApi } from './host';

export interface RunsTablePanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  runsRoots: () => string[];
  actions: RunActions;
  alive?: (pid: number) => boolean;
}

export class RunsTablePanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.runs;
  private conn?: PanelConnection<RunsFromWebview, RunsToWebview>;
  private group?: string;
  private groups: RunGroup[] = [];

  constructor(private readonly o: RunsTablePanelOptions) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  /** Opens (or reveals) the panel on a group (`spec:<path>`, `search:<spec>:<name>`), else the newest run's. */
  show(group?: string): void {
    if (group) this.group = group;
    if (this.conn) {
      this.conn.panel.reveal(undefined, false);
      this.send();
      return;
    }
    const { api } = this.o;
    const panel = api.window.createWebviewPanel(RunsTablePanel.viewType, 'Runs', { viewColumn: api.ViewColumn.Active, preserveFocus: false }, { enableScripts: true, retainContextWhenHidden: true });
    this.attach(panel);
  }

  /** Restores a panel VS Code kept across a reload, on the group it showed (its webview's state) while that group still has runs. */
  restore(panel: vscode.WebviewPanel, state?: unknown): void {
    const group = (state as { group?: unknown } | undefined)?.group;
    if (typeof group === 'string') this.group = group;
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.conn?.dispose();
    this.conn = new PanelConnection<RunsFromWebview, RunsToWebview>(panel, {
      api: this.o.api,
      extensionUri: this.o.extensionUri,
      kind: 'runs',
      log: this.o.log,
      validate: validateRunsFromWebview,
      onReady: () => this.send(),
      onMessage: (m) => void this.onMessage(m),
    });
    panel.onDidDispose(() => {
      if (this.conn?.panel !== panel) return;
      this.conn.dispose();
      this.conn = undefined;
    });
  }

  /** Re-reads the runs and re-sends the table when the panel is open. */
  refresh(): void {
    if (this.conn) this.send();
  }

  private send(): void {
    const conn = this.conn;
    if (!conn?.isReady) return;
    this.groups = groupRuns(workspaceRuns(this.o.runsRoots(), this.o.alive));
    if (!this.groups.length) {
      conn.post({ type: 'empty', message: 'No training runs yet. Train a spec (the ▶ Train lens, or `modelyaml train`) and its runs list here.' });
      return;
    }
    const g = this.groups.find((x) => x.key === this.group) ?? this.groups[0];
    this.group = g.key;
    conn.panel.title = `Runs: ${g.title}`;
    conn.post({ type: 'runs', group: g.key, groups: this.groups.map((x) => ({ key: x.key, title: x.search ? `search ${x.title}` : x.title, count: x.runs.length })), table: runsTable(g.runs) });
  }

  /** The ids the webview sent that are runs of the group it shows. */
  private known(ids: readonly string[]): string[] {
    const runs = new Set(this.groups.find((g) => g.key === this.group)?.runs.map((r) => r.id));
    const ok = ids.filter((id) => runs.has(id));
    if (ok.length < ids.length) this.o.log.warn(`runs panel: ignored ${ids.length - ok.length} unknown run id(s)`);
    return ok;
  }

  private async onMessage(m: Exclude<RunsFromWebview, { type: 'ready' | 'log' }>): Promise<void> {
    const a = this.o.actions;
    switch (m.type) {
      case 'compareCurves':
        a.curves(this.known(m.runIds));
        break;
      case 'openSpec':
        for (const id of this.known([m.runId])) await a.spec(id);
        break;
      case 'resume':
        for (const id of this.known([m.runId])) await a.resume(id);
        break;
      case 'delete': {
        const ids = this.known(m.runIds);
        const labels = runsTable(this.groups.find((g) => g.key === this.group)?.runs ?? []).runs.filter((r) => ids.includes(r.id)).map((r) => r.label);
        await a.delete(ids, labels);
        break;
      }
      case 'showGroup':
        this.group = m.group;
        this.send();
        break;
    }
  }

  dispose(): void {
    this.conn?.panel.dispose();
    this.conn?.dispose();
  }
}
