/** "▶ Train · Show Architecture · Show Curves" above every spec's first line, "Show Evaluation" once a run of it was evaluated, "Try the Model" once it has a trained run, and "Run Search" on a `search:` key. */
import * as vscode from 'vscode';
import { canServe } from '../node/predictionSession';
import { runsOfSpec } from '../node/runFolders';
import { defaultRunsRoots } from './panels';
import { searchCodeLens } from './search';

export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Per spec, until the next refresh (a lens is asked for on every edit): whether a run was evaluated, whether one can be tried. */
  private readonly known = new Map<string, { evaluated: boolean; servable: boolean }>();

  /** `hasEvaluation`: whether a run of this spec has an evaluation.json to show. */
  constructor(private readonly hasEvaluation?: (specPath: string) => boolean) {}

  /** A run ended (it may have been evaluated): ask again. */
  refresh(): void {
    this.known.clear();
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
    let known = this.known.get(path);
    if (!known) {
      const servable = document.uri.scheme === 'file' && runsOfSpec(defaultRunsRoots(vscode), path).some((r) => r.record?.status !== 'running' && canServe(r.dir));
      known = { evaluated: this.hasEvaluation?.(path) ?? false, servable };
      this.known.set(path, known);
    }
    if (known.evaluated) {
      lenses.push(new vscode.CodeLens(top, { title: '$(checklist) Show Evaluation', command: 'modelyaml.showEvaluation', arguments: [document.uri], tooltip: 'Confusion matrix, per-class scores and curves of the latest evaluated run' }));
    }
    if (known.servable) {
      lenses.push(new vscode.CodeLens(top, { title: '$(beaker) Try the Model', command: 'modelyaml.tryModel', arguments: [document.uri], tooltip: "Draw, type or fill in an input and see the newest run's predictions" }));
    }
    const search = searchCodeLens(vscode, document);
    if (search) lenses.push(search);
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
