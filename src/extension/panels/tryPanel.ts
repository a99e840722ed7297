/**
 * The host side of the "Try the model" panel: picks a run, opens the run's prediction session (a
 * trainer process that keeps the model loaded: src/node/predictionSession.ts), sends the webview
 * the input form built from the run's preprocessing.json, and forwards the webview's `predict`
 * requests. Inference never runs here — the extension host loads no TensorFlow.js — nor in the
 * webview: one engine and one preprocessing path with `predict` and `evaluate` (docs/try.md).
 */
import type * as vscode from 'vscode';
import { basename } from 'node:path';
import { validatePreprocessing } from '../../core/protocol/preprocessing';
import { rawInputOf, tryFormOf, tryStateOf, validateTryFromWebview, type TryForm, type TryFromWebview, type TryToWebview } from '../../core/protocol/tryPanel';
import { VIEW_TYPES } from '../../core/protocol/webview';
import type { PredictionSession } from '../../node/predictionSession';
import { canServe } from '../../node/predictionSession';
import { listRuns, runLabel, runsOfSpec, type RunFolder } from '../../node/runFolders';
import { PanelConnection, type PanelLog, type VscodeApi } from './host';

/** What the panel needs of the sessions: one per run (src/node/predictionSession.ts's SessionPool). */
export interface Sessions {
  get(runDir: string): PredictionSession;
  close(runDir: string): void;
}

export interface TryPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  runsRoots: () => string[];
  sessions: Sessions;
}

const labelOf = (f: RunFolder) => runLabel(f.record?.specName ?? f.group, f.startedAt);

export class TryPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.try;
  private conn?: PanelConnection<TryFromWebview, TryToWebview>;
  private runDir?: string;
  private label = '';
  private form?: TryForm;
  /** Counts the runs shown: an answer for a run no longer shown is dropped. */
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly o: TryPanelOptions) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  /** The runs the panel can serve, newest first (of one spec, or of every spec). */
  servable(specPath?: string): RunFolder[] {
    const roots = this.o.runsRoots();
    const runs = specPath ? runsOfSpec(roots, specPath) : roots.flatMap((r) => listRuns(r));
    return runs.filter((f) => f.record?.status !== 'running' && canServe(f.dir)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /**
   * Opens the panel on a run: the one given, the newest servable run of a spec (the CodeLens), or
   * one the user picks (the command palette).
   */
  async show(target?: { runDir?: string; specPath?: string }): Promise<void> {
    const { api } = this.o;
    let runDir = target?.runDir;
    if (!runDir) {
      const runs = this.servable(target?.specPath);
      if (!runs.length) {
        void api.window.showInformationMessage(`No trained run to try${target?.specPath ? ` for ${basename(target.specPath)}` : ''}: train a spec first (runs made before ModelYAML kept preprocessing.json must be trained again).`);
        return;
      }
      if (target?.specPath) runDir = runs[0].dir;
      else {
        const picked = await api.window.showQuickPick(runs.map((f) => ({ label: labelOf(f), description: f.record?.status, detail: f.dir, runDir: f.dir })), { placeHolder: 'Which run to try?', matchOnDetail: true });
        if (!picked) return;
        runDir = picked.runDir;
      }
    }
    if (!this.conn) {
      const panel = api.window.createWebviewPanel(TryPanel.viewType, 'Try the Model', { viewColumn: api.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true });
      this.attach(panel, undefined);
    } else this.conn.panel.reveal(undefined, false);
    this.open(runDir);
  }

  /** Restores a panel VS Code kept across a reload (webview serializer). */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    this.attach(panel, state);
    const kept = tryStateOf(state);
    if (kept) this.open(kept.runDir);
  }

  private attach(panel: vscode.WebviewPanel, state: unknown): void {
    this.conn?.dispose();
    const conn = new PanelConnection<TryFromWebview, TryToWebview>(panel, {
      api: this.o.api,
      extensionUri: this.o.extensionUri,
      kind: 'try',
      log: this.o.log,
      validate: validateTryFromWebview,
      state,
      onReady: () => void this.load(),
      onMessage: (m) => void this.predict(m),
    });
    this.conn = conn;
    this.disposables.push(
      panel.onDidDispose(() => {
        if (this.conn !== conn) return;
        conn.dispose();
        this.conn = undefined;
        if (this.runDir) this.o.sessions.close(this.runDir);
        this.runDir = undefined;
      }),
    );
  }

  private open(runDir: string): void {
    if (this.runDir && this.runDir !== runDir) this.o.sessions.close(this.runDir);
    this.runDir = runDir;
    const folder = listRuns(`${runDir}/../..`).find((f) => f.dir === runDir);
    this.label = folder ? labelOf(folder) : basename(runDir);
    if (this.conn) this.conn.panel.title = `Try: ${this.label}`;
    void this.load();
  }

  /** Opens (or reuses) the run's session and sends the form; every `ready` gets it again. */
  private async load(): Promise<void> {
    const conn = this.conn;
    const runDir = this.runDir;
    if (!conn?.isReady || !runDir) return;
    const generation = ++this.generation;
    this.form = undefined;
    conn.post({ type: 'loading', label: this.label });
    try {
      const serving = await this.o.sessions.get(runDir).ready;
      if (generation !== this.generation) return;
      const pre = validatePreprocessing(serving.preprocessing);
      if (!pre.ok) throw new Error(`${runDir}/preprocessing.json: ${pre.error}`);
      this.form = tryFormOf(pre.value);
      conn.post({ type: 'form', run: { id: runDir, label: this.label, checkpoint: serving.checkpoint, backend: serving.backend }, form: this.form });
    } catch (e) {
      if (generation !== this.generation) return;
      const message = (e as Error)?.message ?? String(e);
      this.o.log.error(`try panel: ${runDir}: ${message}`);
      conn.post({ type: 'failed', message });
    }
  }

  private async predict(m: Exclude<TryFromWebview, { type: 'ready' | 'log' }>): Promise<void> {
    const { form, runDir, conn, generation } = this;
    if (!form || !runDir || !conn) return;
    const raw = rawInputOf(form, m.input);
    if (typeof raw === 'string') {
      conn.post({ type: 'prediction', seq: m.seq, ms: 0, error: { code: 'try/bad-input', message: raw } });
      return;
    }
    try {
      const r = await this.o.sessions.get(runDir).predict([raw]);
      if (r.superseded || generation !== this.generation) return;
      conn.post({ type: 'prediction', seq: m.seq, ms: r.event.ms, output: r.event.outputs[0], error: r.event.error });
    } catch (e) {
      if (generation !== this.generation) return;
      // The session's trainer died: say so; the next `ready` (or a new run) opens a fresh one.
      conn.post({ type: 'failed', message: (e as Error)?.message ?? String(e) });
    }
  }

  dispose(): void {
    if (this.runDir) this.o.sessions.close(this.runDir);
    this.conn?.panel.dispose();
    this.conn?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
