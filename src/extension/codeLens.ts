/** "▶ Train · Show Architecture · Show Curves" above every spec's first line, and "Try the Model" once it has a trained run. */
import * as vscode from 'vscode';
import { canServe } from '../node/predictionSession';
import { runsOfSpec } from '../node/runFolders';
import { defaultRunsRoots } from './panels';

export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fired when a run ends: the "Try the Model" lens may appear. */
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('modelyaml').get<boolean>('codeLens.enabled', true)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, { title: '$(play) Train', command: 'modelyaml.train', arguments: [document.uri], tooltip: 'Train this spec with TensorFlow.js' }),
      new vscode.CodeLens(top, { title: '$(type-hierarchy) Show Architecture', command: 'modelyaml.showArchitecture', arguments: [document.uri] }),
      new vscode.CodeLens(top, { title: '$(graph-line) Show Curves', command: 'modelyaml.showCurves', arguments: [document.uri] }),
    ];
    if (document.uri.scheme === 'file' && runsOfSpec(defaultRunsRoots(vscode), document.uri.fsPath).some((r) => r.record?.status !== 'running' && canServe(r.dir))) {
      lenses.push(new vscode.CodeLens(top, { title: '$(beaker) Try the Model', command: 'modelyaml.tryModel', arguments: [document.uri], tooltip: "Draw, type or fill in an input and see the newest run's predictions" }));
    }
    return lenses;
  }
}
