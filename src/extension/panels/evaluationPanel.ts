/**
 * The host side of the evaluation panel: one panel showing one run's `evaluation.json` (metrics,
 * confusion matrix, curves), with the other evaluations of the same spec to switch to, and a
 * confusion cell's samples read from `evaluation-samples.jsonl` when the webview asks for them.
 * The host reads only files under the runs roots.
 */
import { existsSync } from 'node:fs';
import type * as vscode from 'vscode';
import {
  evaluationStateOrDefault,
  MAX_CELL_SAMPLES,
  validateEvaluationFromWebview,
  type EvaluationFromWebview,
  type EvaluationToWebview,
  type EvaluationViewState,
} from '../../core/protocol/evaluationWebview';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { cellSamples, evaluatedRuns, readEvaluation, runGroupOf, SamplesCache, type EvaluationFile } from '../../node/evaluations';
import { isInside } from '../../node/runFolders';
import { PanelConnection, saveExport, type PanelLog, type VscodeApi } from './host';

export interface EvaluationPanelOptions {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  runsRoots: () => string[];
  /** The runs of a spec, newest first (the curves panel's rule: run.json names the spec, else its folder name). */
  runsOfSpec: (specPath: string) => { dir: string }[];
}

/** What to open: an evaluation file, a run folder (its test evaluation first), or a spec (its newest evaluated run). */
export interface EvaluationTarget {
  file?: string;
  runDir?: string;
  specPath?: string;
}

export class EvaluationPanel implements vscode.Disposable {
  static readonly viewType = VIEW_TYPES.evaluation;
  private conn?: PanelConnection<EvaluationFromWebview, EvaluationToWebview>;
  private current?: string;
  private message?: string;
  private readonly samples = new SamplesCache();

  constructor(private readonly o: EvaluationPanelOptions) {}

  get panel(): vscode.WebviewPanel | undefined {
    return this.conn?.panel;
  }

  /** The evaluation file a target names, or why there is none. */
  resolve(target: EvaluationTarget): { file?: string; message?: string } {
    const all = evaluatedRuns(this.o.runsRoots());
    if (target.file) return all.some((e) => e.file === target.file) ? { file: target.file } : { message: `${target.file} is not an evaluation under the runs folder.` };
    if (target.runDir) {
      const hit = all.find((e) => e.runDir === target.runDir);
      return hit ? { file: hit.file } : { message: `The run ${target.runDir} has no evaluation yet: runs with a test split are evaluated when they complete, or run \`modelyaml evaluate ${target.runDir}\`.` };
    }
    if (target.specPath) {
      const dirs = new Set(this.o.runsOfSpec(target.specPath).map((r) => r.dir));
      const hit = all.find((e) => dirs.has(e.runDir));
      const name = target.specPath.split(/[\\/]/).pop();
      return hit ? { file: hit.file } : { message: `${name} has no evaluated run yet. Give its data a test split (data.test) and train it, or run \`modelyaml evaluate <run folder>\`.` };
    }
    return all.length ? { file: all[0].file } : { message: 'No evaluated runs yet. Train a spec whose data has a test split, or run `modelyaml evaluate <run folder>`.' };
  }

  /** Opens (or reveals) the panel on what the target names. */
  show(target: EvaluationTarget = {}): void {
    const r = this.resolve(target);
    this.current = r.file;
    this.message = r.message;
    if (this.conn) {
      this.conn.panel.reveal(undefined, false);
      this.sendAll();
      return;
    }
    const panel = this.o.api.window.createWebviewPanel(EvaluationPanel.viewType, 'Evaluation', { viewColumn: this.o.api.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, retainContextWhenHidden: false });
    this.attach(panel, undefined);
  }

  /** Restores a panel VS Code kept across a reload (webview serializer). */
  restore(panel: vscode.WebviewPanel, rawState: unknown): void {
    const state = evaluationStateOrDefault(rawState);
    const r = this.resolve(state.runId && isInside(state.runId, this.o.runsRoots()) && existsSync(state.runId) ? { file: state.runId } : {});
    this.current = r.file;
    this.message = r.message;
    this.attach(panel, state);
  }

  private attach(panel: vscode.WebviewPanel, state: EvaluationViewState | undefined): void {
    this.conn?.dispose();
    const { api, extensionUri, log } = this.o;
    const closed = () => this.conn?.panel === panel && (this.conn = undefined);
    const handlers = { onReady: () => this.sendAll(), onMessage: (m: Exclude<EvaluationFromWebview, { type: 'ready' | 'log' }>) => void this.onMessage(m), onClosed: () => void closed() };
    this.conn = new PanelConnection<EvaluationFromWebview, EvaluationToWebview>(panel, { api, extensionUri, log, kind: 'evaluation', validate: validateEvaluationFromWebview, state, ...handlers });
  }

  /** The evaluations of the current run's spec (every run in its folder, each split). */
  private siblings(): EvaluationFile[] {
    const all = evaluatedRuns(this.o.runsRoots());
    const cur = all.find((e) => e.file === this.current);
    return cur ? all.filter((e) => runGroupOf(e.runDir) === runGroupOf(cur.runDir)) : [];
  }

  private sendAll(): void {
    const conn = this.conn;
    if (!conn?.isReady) return;
    const runs = this.siblings().map((e) => ({ id: e.file, label: e.label }));
    const base = { type: 'init' as const, runs, ...(this.current ? { current: this.current } : {}) };
    if (!this.current) {
      conn.post({ ...base, message: this.message ?? 'No evaluation to show.' });
      conn.panel.title = 'Evaluation';
      return;
    }
    const read = readEvaluation(this.current);
    if (!read.ok) {
      this.o.log.warn(`evaluation panel: ${read.error}`);
      conn.post({ ...base, message: read.error });
      return;
    }
    const samples = this.samples.read(this.current);
    if (samples && !samples.ok) this.o.log.warn(`evaluation panel: ${samples.error}`);
    const info = samples?.ok ? { display: samples.value.header.display, ...(samples.value.header.columns ? { columns: samples.value.header.columns } : {}), ...(samples.value.header.note ? { note: samples.value.header.note } : {}) } : undefined;
    conn.post({ ...base, evaluation: read.value, ...(info ? { samples: info } : {}) });
    conn.panel.title = `Evaluation: ${runs.find((r) => r.id === this.current)?.label.split(' · ')[0] ?? 'run'}`;
  }

  private async onMessage(m: Exclude<EvaluationFromWebview, { type: 'ready' | 'log' }>): Promise<void> {
    switch (m.type) {
      case 'selectRun': {
        if (!this.siblings().some((e) => e.file === m.runId)) {
          this.o.log.warn('evaluation panel: ignored a request for an unknown evaluation');
          break;
        }
        this.current = m.runId;
        this.sendAll();
        break;
      }
      case 'cellSamples':
        this.conn?.post(this.cellMessage(m.actual, m.predicted));
        break;
      case 'export': {
        const folder = this.o.api.workspace.workspaceFolders?.[0]?.uri;
        const answer = await saveExport(this.o.api, m, folder);
        if (answer.outcome === 'failed') this.o.log.error(`evaluation panel: export failed: ${answer.message}`);
        this.conn?.post(answer);
        break;
      }
    }
  }

  /** The answer to a cell request: its samples, or why there are none to list. */
  cellMessage(actual: number, predicted: number): Extract<EvaluationToWebview, { type: 'cellSamples' }> {
    const empty = { type: 'cellSamples' as const, actual, predicted, total: 0, samples: [] };
    if (!this.current) return { ...empty, message: 'No evaluation is shown.' };
    const read = this.samples.read(this.current);
    if (!read) return { ...empty, message: 'This evaluation has no per-sample results (it was made before ModelYAML kept them): evaluate the run again with `modelyaml evaluate`.' };
    if (!read.ok) return { ...empty, message: read.error };
    return { ...empty, ...cellSamples(read.value.samples, actual, predicted, MAX_CELL_SAMPLES) };
  }

  dispose(): void {
    this.conn?.panel.dispose();
    this.conn?.dispose();
  }
}
