/** "▶ Train · Show Architecture · Show Curves" above every spec's first line, and "Show Evaluation" once a run of it was evaluated. */
import * as vscode from 'vscode';

export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Whether each spec has an evaluated run, until the next refresh (a lens is asked for on every edit). */
  private readonly evaluated = new Map<string, boolean>();

  /** `hasEvaluation`: whether a run of this spec has an evaluation.json to show. */
  constructor(private readonly hasEvaluation?: (specPath: string) => boolean) {}

  /** A run ended (it may have been evaluated): ask again. */
  refresh(): void {
    this.evaluated.clear();
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
    const path = document.uri.fsPath;
    if (this.hasEvaluation && !this.evaluated.has(path)) this.evaluated.set(path, this.hasEvaluation(path));
    if (this.evaluated.get(path)) {
      lenses.push(new vscode.CodeLens(top, { title: '$(checklist) Show Evaluation', command: 'modelyaml.showEvaluation', arguments: [document.uri], tooltip: 'Confusion matrix, per-class scores and curves of the latest evaluated run' }));
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
