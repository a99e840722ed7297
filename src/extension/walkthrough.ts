/**
 * The walkthrough's steps tick from what the user really did: context keys the extension sets
 * (package.json `completionEvents: onContext:<key>`), so a step done through a CodeLens, a task,
 * a keyboard shortcut or the editor title counts as much as one done from the walkthrough.
 */
import type * as vscode from 'vscode';
import type { VscodeApi } from './panels/host';

export const WALKTHROUGH_KEYS = {
  /** A spec showed a diagnostic (the user broke a shape and read why). */
  sawDiagnostic: 'modelyaml.walkthrough.sawDiagnostic',
  /** A training run started. */
  trained: 'modelyaml.walkthrough.trained',
  /** The language server answered a hover (a formula, a layer's shapes) in a spec. */
  sawHover: 'modelyaml.walkthrough.sawHover',
  /** The architecture panel was shown. */
  sawArchitecture: 'modelyaml.walkthrough.sawArchitecture',
} as const;

const isSpecUri = (u: vscode.Uri) => /\.model\.ya?ml$/i.test(u.path);

/** Sets the diagnostics key when a spec first shows a problem (training and the panels set theirs). */
export function trackWalkthrough(api: VscodeApi): vscode.Disposable {
  let seen = false;
  const check = (uris: readonly vscode.Uri[]) => {
    if (seen) return;
    if (uris.some((u) => isSpecUri(u) && api.languages.getDiagnostics(u).length > 0)) {
      seen = true;
      void api.commands.executeCommand('setContext', WALKTHROUGH_KEYS.sawDiagnostic, true);
    }
  };
  return api.languages.onDidChangeDiagnostics((e) => check(e.uris));
}

type HoverNext = (document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken) => vscode.ProviderResult<vscode.Hover>;

/**
 * The language client's hover middleware: passes every hover through, and sets the hover step's
 * key the first time the server answers one with something to show.
 */
export function hoverMiddleware(api: Pick<VscodeApi, 'commands'>): (document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken, next: HoverNext) => Promise<vscode.Hover | null | undefined> {
  let seen = false;
  return async (document, position, token, next) => {
    const hover = await next(document, position, token);
    if (!seen && hover && hover.contents.length > 0) {
      seen = true;
      void api.commands.executeCommand('setContext', WALKTHROUGH_KEYS.sawHover, true);
    }
    return hover;
  };
}
