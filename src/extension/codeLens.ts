/** "▶ Train · Show Architecture · Show Curves" above every spec's first line. */
import * as vscode from 'vscode';

export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('modelyaml').get<boolean>('codeLens.enabled', true)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: '$(play) Train', command: 'modelyaml.train', arguments: [document.uri], tooltip: 'Train this spec with TensorFlow.js' }),
      new vscode.CodeLens(top, { title: '$(type-hierarchy) Show Architecture', command: 'modelyaml.showArchitecture', arguments: [document.uri] }),
      new vscode.CodeLens(top, { title: '$(graph-line) Show Curves', command: 'modelyaml.showCurves', arguments: [document.uri] }),
    ];
  }
}
