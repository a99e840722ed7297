/**
 * The host side of the training-curves panel: one panel showing a run (live while it trains) and
 * any earlier runs of the same spec to compare. It follows the training manager's events for a run
 * started from VS Code, and re-reads `metrics.jsonl` for a run written by another process (the CLI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type * as vscode from 'vscode';
import type { TrainerEvent } from '../../core/protocol/trainer';
import {
  curvesStateOrDefault,
  validateCurvesFromWebview,
  VIEW_TYPES,
  type CurvePoint,
  type CurvesFromWebview,
  type CurvesToWebview,
  type CurvesViewState,
} from '../../core/protocol/webview';
import { PanelConnection, saveExport, type PanelLog, type VscodeApi } from './host';
import { folderInfo, isInside, listRuns, LoadedRun, processAlive, readSettings, runsOfSpec, siblingRuns, specNameOf, type RunFolder } from '../../node/runFolders';

export interface CurvesPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  /** Folders holding run folders (default: `<each workspace folder>/.modelyaml/runs`). */
  runsRoots: () => string[];
  /** Whether a trainer process is alive (tests replace it). */
  alive?: (pid: number) => boolean;
  /** How often a run written by another process is re-read, in ms. */
  pollMs?: number;
  /** Live points are sent at most this often, in ms. */
  flushMs?: number;
  /** Continues a run from its last checkpoint (the "Resume Training" command). */
  resume?: (runDir: string) => unknown;
  /** Opens the evaluation panel on a run. */
  showEvaluation?: (runDir: string) => unknown;
}

export class CurvesPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.curves;
  private conn?: PanelConnection<CurvesFromWebview, CurvesToWebview>;
  private current?: LoadedRun;
  private readonly compared = new Map<string, LoadedRun>();
  private available: RunFolder[] = [];
  private message?: string;
  /** The run the training manager feeds (its events arrive live; its file is not re-read). */
  private live?: { specPath: string; run: LoadedRun };
  private pending: CurvePoint[] = [];
  private flushTimer?: ReturnType<typeof setTimeout>;
  private pollTimer?: ReturnType<typeof setInterval>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly o: CurvesPanelOptions) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  /** Opens (or reveals) the panel on a run folder, a spec's latest run, or what fits the editor. */
  show(target: { runDir?: string; specPath?: string } = {}, opts: { preserveFocus?: boolean } = {}): void {
    const { api } = this.o;
    if (target.runDir) this.setCurrent(target.runDir);
    else if (target.specPath) this.setSpec(target.specPath);
    else if (!this.current) {
      const doc = api.window.activeTextEditor?.document;
      if (doc && /\.model\.ya?ml$/i.test(doc.uri.fsPath)) this.setSpec(doc.uri.fsPath);
      else this.setLatest();
    }
    if (this.conn) {
      this.conn.panel.reveal(undefined, opts.preserveFocus);
      this.sendAll();
      return;
    }
    const panel = api.window.createWebviewPanel(CurvesPanel.viewType, 'Training Curves', { viewColumn: api.ViewColumn.Beside, preserveFocus: opts.preserveFocus ?? false }, {
      enableScripts: true,
      retainContextWhenHidden: false,
    });
    this.attach(panel, undefined);
  }

  /**
   * Opens the panel on the first run with the others overlaid (the runs table's "Compare curves").
   * Runs from other folders (a search's trials) join the list of runs to compare.
   */
  compareRuns(dirs: readonly string[]): void {
    const roots = this.o.runsRoots();
    const ok = dirs.filter((d) => isInside(d, roots) && existsSync(d));
    if (!ok.length) return;
    this.setCurrent(ok[0]);
    this.compared.clear();
    for (const d of ok.slice(1)) {
      const run = LoadedRun.read(d, this.o.alive);
      if (!this.available.some((f) => f.dir === d)) this.available.push({ dir: d, group: siblingGroup(d), startedAt: run.info().startedAt, record: run.record });
      this.compared.set(d, run);
    }
    this.show({}, { preserveFocus: false });
  }

  /** Restores a panel VS Code kept across a reload (webview serializer). */
  restore(panel: vscode.WebviewPanel, rawState: unknown): void {
    const state = curvesStateOrDefault(rawState);
    const roots = this.o.runsRoots();
    const allowed = (id: string) => isInside(id, roots) && existsSync(id);
    if (state.runId && allowed(state.runId)) this.setCurrent(state.runId);
    else this.setLatest();
    for (const id of state.compare) if (allowed(id) && id !== this.current?.dir && this.available.some((f) => f.dir === id)) this.compared.set(id, LoadedRun.read(id, this.o.alive));
    this.attach(panel, state);
  }

  private attach(panel: vscode.WebviewPanel, state: CurvesViewState | undefined): void {
    this.conn?.dispose();
    this.conn = new PanelConnection<CurvesFromWebview, CurvesToWebview>(panel, {
      api: this.o.api,
      extensionUri: this.o.extensionUri,
      kind: 'curves',
      log: this.o.log,
      validate: validateCurvesFromWebview,
      state,
      onReady: () => this.sendAll(),
      onMessage: (m) => void this.onMessage(m),
    });
    this.disposables.push(
      panel.onDidDispose(() => {
        if (this.conn?.panel !== panel) return;
        this.conn.dispose();
        this.conn = undefined;
        this.stopPolling();
      }),
    );
    this.startPolling();
  }

  private setLatest(): void {
    const all = this.o.runsRoots().flatMap((r) => listRuns(r));
    all.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    if (all.length) this.setCurrent(all[0].dir);
    else {
      this.current = undefined;
      this.available = [];
      this.message = 'No training runs yet. Train a spec (the ▶ Train lens, or Run Task → modelyaml) and its curves appear here.';
    }
  }

  private setSpec(specPath: string): void {
    if (this.live && this.live.specPath === specPath) {
      this.useRun(this.live.run);
      return;
    }
    const { api } = this.o;
    const workspace = api.workspace.getWorkspaceFolder?.(api.Uri.file(specPath))?.uri.fsPath;
    const open = api.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
    let text = open?.getText();
    if (text === undefined) {
      try {
        text = readFileSync(specPath, 'utf8');
      } catch {
        text = '';
      }
    }
    const runs = runsOfSpec(this.o.runsRoots(), specPath, workspace, specNameOf(text));
    if (!runs.length) {
      this.current = undefined;
      this.available = [];
      this.compared.clear();
      const name = specPath.split(/[\\/]/).pop();
      this.message = `${name} has no training runs yet. Train it (the ▶ Train lens above the spec, or Run Task → modelyaml) and its curves appear here live.`;
      return;
    }
    const running = runs.find((r) => r.record?.status === 'running' && r.record.pid !== undefined && (this.o.alive ?? processAlive)(r.record.pid));
    this.setCurrent((running ?? runs[0]).dir);
  }

  private setCurrent(dir: string): void {
    if (this.live && this.live.run.dir === dir) return this.useRun(this.live.run);
    if (this.current?.dir === dir) {
      this.available = siblingRuns(dir);
      return;
    }
    this.useRun(LoadedRun.read(dir, this.o.alive));
  }

  private useRun(run: LoadedRun): void {
    const changedSpec = this.current && siblingGroup(this.current.dir) !== siblingGroup(run.dir);
    this.current = run;
    this.message = undefined;
    this.compared.delete(run.dir);
    if (changedSpec) this.compared.clear();
    this.available = siblingRuns(run.dir);
    if (!this.available.some((f) => f.dir === run.dir)) this.available.unshift({ dir: run.dir, group: siblingGroup(run.dir), startedAt: run.info().startedAt, record: run.record });
  }

  private sendAll(): void {
    const conn = this.conn;
    if (!conn?.isReady) return;
    this.pending = [];
    const runs = this.available.map((f) => (f.dir === this.current?.dir ? this.current.info() : this.compared.get(f.dir)?.info() ?? folderInfo(f, this.o.alive)));
    conn.post({ type: 'init', runs, current: this.current?.dir, compare: [...this.compared.keys()], ...(this.message ? { message: this.message } : {}) });
    if (this.current) conn.post({ type: 'runData', run: this.current.info(), points: this.current.points });
    for (const r of this.compared.values()) conn.post({ type: 'runData', run: r.info(), points: r.points });
    if (this.conn?.panel) this.conn.panel.title = this.current ? `Curves: ${this.current.info().specName}` : 'Training Curves';
  }

  private async onMessage(m: Exclude<CurvesFromWebview, { type: 'ready' | 'log' }>): Promise<void> {
    switch (m.type) {
      case 'compare': {
        const known = new Set(this.available.map((f) => f.dir));
        const ids = m.runIds.filter((id) => known.has(id) && id !== this.current?.dir);
        const dropped = m.runIds.length - ids.length;
        if (dropped) this.o.log.warn(`curves panel: ignored ${dropped} unknown run id(s) in a compare request`);
        for (const id of [...this.compared.keys()]) if (!ids.includes(id)) this.compared.delete(id);
        for (const id of ids) {
          if (this.compared.has(id)) continue;
          const run = LoadedRun.read(id, this.o.alive);
          this.compared.set(id, run);
          this.conn?.post({ type: 'runData', run: run.info(), points: run.points });
        }
        break;
      }
      case 'resume': {
        const run = this.available.find((f) => f.dir === m.runId);
        if (!run || !this.o.resume) {
          this.o.log.warn('curves panel: ignored a resume request for an unknown run');
          break;
        }
        await this.o.resume(run.dir);
        break;
      }
      case 'showEvaluation': {
        const run = this.available.find((f) => f.dir === m.runId);
        if (run && this.o.showEvaluation) await this.o.showEvaluation(run.dir);
        else this.o.log.warn('curves panel: ignored a request to show the evaluation of an unknown run');
        break;
      }
      case 'export': {
        const folder = this.o.api.workspace.workspaceFolders?.[0]?.uri;
        const answer = await saveExport(this.o.api, m, folder);
        if (answer.outcome === 'failed') this.o.log.error(`curves panel: export failed: ${answer.message}`);
        this.conn?.post(answer);
        break;
      }
    }
  }

  /**
   * An event of a run the training manager started. The run folder is announced first (a `log`
   * event with `runDir`, before the data loads, then `started`): the panel opens on it then, and
   * streams the points as they come.
   */
  onTrainerEvent(specPath: string, e: TrainerEvent): void {
    const announced = e.type === 'started' ? e.runDir : e.type === 'log' ? (e as { runDir?: unknown }).runDir : undefined;
    if (typeof announced === 'string') {
      const { api } = this.o;
      const base = api.workspace.getWorkspaceFolder?.(api.Uri.file(specPath))?.uri.fsPath ?? dirname(specPath);
      const runDir = isAbsolute(announced) ? announced : resolve(base, announced);
      const known = this.live?.specPath === specPath && this.live.run.dir === runDir;
      if (!known) {
        const run = new LoadedRun(runDir, this.o.alive);
        run.settings = readSettings(runDir); // written before the run folder is announced
        this.live = { specPath, run };
        this.pending = [];
      }
      this.live!.run.push(e);
      if (known && this.current === this.live!.run) {
        this.conn?.post({ type: 'runStatus', run: this.live!.run.info() });
        return;
      }
      this.useRun(this.live!.run);
      if (this.conn) {
        this.conn.panel.reveal(undefined, true);
        this.sendAll();
      } else this.show({ runDir }, { preserveFocus: true });
      return;
    }
    const live = this.live;
    if (!live || live.specPath !== specPath) return;
    const before = live.run.info().status;
    const p = live.run.push(e);
    if (live.run !== this.current) return;
    if (p) {
      this.pending.push(p);
      this.scheduleFlush();
    }
    if (e.type === 'done' || e.type === 'error') {
      live.run.refreshRecord();
      this.flush();
      const info = live.run.info();
      if (info.status !== before || e.type === 'done') this.conn?.post({ type: 'runStatus', run: info });
      if (e.type === 'done') this.live = undefined;
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.o.flushMs ?? 100);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pending.length || !this.current) return;
    const points = this.pending;
    this.pending = [];
    this.conn?.post({ type: 'points', runId: this.current.dir, points });
  }

  /** A run another process writes (e.g. the CLI): re-read its file while it runs. */
  private startPolling(): void {
    this.stopPolling();
    this.pollTimer = setInterval(() => this.pollOnce(), this.o.pollMs ?? 1000);
  }

  pollOnce(): void {
    const run = this.current;
    if (!run || !this.conn?.isReady || run === this.live?.run) return;
    const before = run.info();
    if (before.status !== 'running') return;
    const added = run.poll();
    run.refreshRecord();
    if (added.length) this.conn.post({ type: 'points', runId: run.dir, points: added });
    const after = run.info();
    if (after.status !== before.status) this.conn.post({ type: 'runStatus', run: after });
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  dispose(): void {
    this.stopPolling();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.conn?.panel.dispose();
    this.conn?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function siblingGroup(dir: string): string {
  return dir.replace(/[\\/][^\\/]+[\\/]?$/, '');
}
