/**
 * What the runs view and the runs table do to runs: open a run's curves, its evaluation, its spec
 * copy; resume it; export it; delete runs (after a modal confirmation). Each takes run folders and
 * checks they lie under the runs folders before touching anything.
 */
import type * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRunRecord, SPEC_SNAPSHOT_FILES } from '../../node/runRecord';
import { isInside, processAlive } from '../../node/runFolders';
import { deleteRun } from '../../node/runSummaries';
import type { PanelLog, VscodeApi } from '../panels/host';

export const RUN_COMMANDS = {
  refresh: 'modelyaml.runs.refresh',
  openTable: 'modelyaml.runs.openTable',
  openCurves: 'modelyaml.runs.openCurves',
  openEvaluation: 'modelyaml.runs.openEvaluation',
  openSpec: 'modelyaml.runs.openSpec',
  resume: 'modelyaml.runs.resume',
  export: 'modelyaml.runs.export',
  delete: 'modelyaml.runs.delete',
} as const;

export interface RunActionDeps {
  api: VscodeApi;
  log: PanelLog;
  runsRoots: () => string[];
  /** Shows runs in the curves panel: the first, with the others overlaid. */
  showCurves: (runDirs: string[]) => unknown;
  /** Called after runs were deleted (the view and the table re-read). */
  changed: () => void;
}

export class RunActions {
  constructor(private readonly d: RunActionDeps) {}

  private allowed(dir: string): boolean {
    const ok = isInside(dir, this.d.runsRoots()) && existsSync(dir);
    if (!ok) this.d.log.warn(`runs: ignored a request for ${dir}, which is not a run folder under the runs folders`);
    return ok;
  }

  curves(dirs: string[]): void {
    const ok = dirs.filter((d) => this.allowed(d));
    if (ok.length) this.d.showCurves(ok);
  }

  async evaluation(dir: string): Promise<void> {
    if (this.allowed(dir)) await this.d.api.commands.executeCommand('modelyaml.showEvaluation', { runDir: dir });
  }

  async spec(dir: string): Promise<void> {
    if (!this.allowed(dir)) return;
    const { api } = this.d;
    const file = SPEC_SNAPSHOT_FILES.map((n) => join(dir, n)).find((p) => existsSync(p));
    if (!file) {
      void api.window.showInformationMessage(`ModelYAML: ${dir} kept no copy of its spec (older runs did not).`);
      return;
    }
    await api.window.showTextDocument(api.Uri.file(file), { preview: true });
  }

  async resume(dir: string): Promise<void> {
    if (this.allowed(dir)) await this.d.api.commands.executeCommand('modelyaml.resumeTraining', { runDir: dir });
  }

  async export(dir: string): Promise<void> {
    if (this.allowed(dir)) await this.d.api.commands.executeCommand('modelyaml.exportModel', { runDir: dir });
  }

  /** Deletes runs after asking (a modal dialog); true when they were deleted. */
  async delete(dirs: string[], labels: string[] = []): Promise<boolean> {
    const { api } = this.d;
    const training = dirs.filter((d) => {
      const rec = readRunRecord(d);
      return rec?.status === 'running' && rec.pid !== undefined && processAlive(rec.pid);
    });
    if (training.length) void api.window.showWarningMessage(`ModelYAML: ${training.length === 1 ? 'a run is' : `${training.length} runs are`} still training; cancel ${training.length === 1 ? 'it' : 'them'} before deleting (${training.join(', ')}).`);
    const ok = dirs.filter((d) => !training.includes(d) && this.allowed(d));
    if (!ok.length) return false;
    const what = ok.length === 1 ? `the run ${labels[0] ?? ok[0]}` : `${ok.length} runs`;
    const answer = await api.window.showWarningMessage(`Delete ${what}? Its folder (metrics, checkpoints, exported models) is removed from disk.`, { modal: true, detail: ok.join('\n') } as vscode.MessageOptions, 'Delete');
    if (answer !== 'Delete') return false;
    for (const d of ok) {
      try {
        deleteRun(d, this.d.runsRoots());
      } catch (e) {
        void api.window.showErrorMessage(`ModelYAML: could not delete ${d}: ${(e as Error).message}`);
      }
    }
    this.d.changed();
    return true;
  }
}
