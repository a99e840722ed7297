/**
 * "ModelYAML: Resume Training": trains a spec again from the last checkpoint of a run that was
 * cancelled, failed or crashed (the trainer restores the weights, the optimizer and the epoch).
 */
import { readFileSync } from 'node:fs';
import type * as vscode from 'vscode';
import type { VscodeApi } from './panels/host';
import { folderInfo, readSpecSnapshot, resumableCheckpoint, runsOfSpec, specNameOf, type RunFolder } from './panels/runs';
import { isSpecDocument } from './panels/graphPanel';

/** The runs of a spec that ended early and kept a checkpoint, newest first. */
export function resumableRuns(runsRoots: readonly string[], specPath: string, workspace?: string): RunFolder[] {
  let text = '';
  try {
    text = readFileSync(specPath, 'utf8');
  } catch {
    /* a spec not on disk: only its file name finds its runs */
  }
  return runsOfSpec(runsRoots, specPath, workspace, specNameOf(text)).filter((f) => folderInfo(f).status !== 'completed' && folderInfo(f).status !== 'running' && resumableCheckpoint(f.dir));
}

export interface ResumeDeps {
  runsRoots: () => string[];
  /** Starts the resumed run (the training manager's task). */
  resume: (spec: vscode.Uri, runDir: string) => Promise<void>;
}

/** The command: the spec (argument or active editor), then which run when there are several. */
export async function resumeTrainingCommand(api: VscodeApi, deps: ResumeDeps, arg?: unknown): Promise<void> {
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

function readFileSafe(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
