/**
 * "ModelYAML: Resume Training": trains a spec again from the last checkpoint of a run that was
 * cancelled, failed or crashed (the trainer restores the weights, the optimizer and the epoch).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type * as vscode from 'vscode';
import type { VscodeApi } from './panels/host';
import { folderInfo, isInside, readSpecSnapshot, resumableCheckpoint, runsOfSpec, specNameOf, type RunFolder } from '../node/runFolders';
import { readRunRecord } from '../node/runRecord';
import { isSpecDocument } from './panels/graphPanel';

/** The runs of a spec that ended early and kept a checkpoint, newest first. */
export function resumableRuns(runsRoots: readonly string[], specPath: string, workspace?: string): RunFolder[] {
  let text = '';
  try {
    text = readFileSync(specPath, 'utf8');
  } catch {
    /* a spec not on disk: only its file name finds its runs */
  }
  return runsOfSpec(runsRoots, specPath, workspace, specNameOf(text)).filter((f) => folderInfo(f).resumable);
}

export interface ResumeDeps {
  runsRoots: () => string[];
  /** Starts the resumed run (the training manager's task). */
  resume: (spec: vscode.Uri, runDir: string) => Promise<void>;
}

/** The spec file a run trained (its record names it, absolute or relative to the workspace), if it is still there. */
export function specOfRun(runDir: string, workspaces: readonly string[]): string | undefined {
  const spec = readRunRecord(runDir)?.spec;
  if (!spec) return undefined;
  return (isAbsolute(spec) ? [spec] : workspaces.map((w) => resolve(w, spec))).find((p) => existsSync(p));
}

/**
 * The command: a run (`{ runDir }`, from the curves panel), or a spec (argument or active
 * editor) and then which of its runs when there are several.
 */
export async function resumeTrainingCommand(api: VscodeApi, deps: ResumeDeps, arg?: unknown): Promise<void> {
  if (arg && typeof arg === 'object' && typeof (arg as { runDir?: unknown }).runDir === 'string') return resumeRun(api, deps, (arg as { runDir: string }).runDir);
  const doc = api.window.activeTextEditor?.document;
  const spec = arg instanceof api.Uri ? arg : isSpecDocument(doc) ? doc.uri : undefined;
  if (!spec) {
    void api.window.showInformationMessage('Open a *.model.yaml spec to resume one of its runs.');
    return;
  }
  const workspace = api.workspace.getWorkspaceFolder(spec)?.uri.fsPath;
  const runs = resumableRuns(deps.runsRoots(), spec.fsPath, workspace);
  if (!runs.length) {
    void api.window.showInformationMessage(`ModelYAML: no cancelled or failed run of ${spec.path.split('/').pop()} kept a checkpoint to resume from.`);
    return;
  }
  let runDir = runs[0].dir;
  if (runs.length > 1) {
    const current = readFileSafe(spec.fsPath);
    const pick = await api.window.showQuickPick(
      runs.map((r) => {
        const info = folderInfo(r);
        const changed = current !== undefined && readSpecSnapshot(r.dir) !== undefined && readSpecSnapshot(r.dir) !== current;
        return { label: info.label, description: info.status, detail: `${info.reason ?? ''}${changed ? ' · the spec changed since this run' : ''}`, dir: r.dir };
      }),
      { title: 'Resume Training', placeHolder: 'Which run to continue from its last checkpoint' },
    );
    if (!pick) return;
    runDir = pick.dir;
  }
  await deps.resume(spec, runDir);
}

async function resumeRun(api: VscodeApi, deps: ResumeDeps, runDir: string): Promise<void> {
  if (!isInside(runDir, deps.runsRoots()) || !resumableCheckpoint(runDir)) {
    void api.window.showInformationMessage(`ModelYAML: ${runDir} is not a run with a checkpoint to resume from.`);
    return;
  }
  const spec = specOfRun(runDir, (api.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
  if (!spec) {
    void api.window.showWarningMessage(`ModelYAML: the spec this run trained (${readRunRecord(runDir)?.spec ?? 'unknown'}) is not in the workspace any more; open it and run Resume Training from there.`);
    return;
  }
  await deps.resume(api.Uri.file(spec), runDir);
}

function readFileSafe(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
