/**
 * Starts the language server bundle (dist/server.js) over IPC and keeps the formula colour in
 * step with the editor theme.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { ArchitectureView } from '../core/graph';
import { graphRequest, isGraphResult, themeNotification, type InitializationOptions } from '../core/protocol/lsp';
import { hoverMiddleware } from './walkthrough';

/** A formula colour that reads on the active theme (an <img> cannot inherit the hover's colour). */
export function formulaColor(kind: vscode.ColorThemeKind): string {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return '#1f1f1f';
    case vscode.ColorThemeKind.HighContrastLight:
      return '#000000';
    case vscode.ColorThemeKind.HighContrast:
      return '#ffffff';
    default:
      return '#cccccc';
  }
}

function isHighContrast(kind: vscode.ColorThemeKind): boolean {
  return kind === vscode.ColorThemeKind.HighContrast || kind === vscode.ColorThemeKind.HighContrastLight;
}

function fontSize(): number {
  return vscode.workspace.getConfiguration('editor').get<number>('fontSize') ?? 14;
}

export function startLanguageClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): { client: LanguageClient; ready: Promise<void> } {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const kind = vscode.window.activeColorTheme.kind;
  const initializationOptions: InitializationOptions = {
    formulaColor: formulaColor(kind),
    fontSize: fontSize(),
    highContrast: isHighContrast(kind),
    // VS Code's hovers show data-URI images: formulas come as SVG, the Unicode as their alt text.
    formulaImages: true,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'modelyaml' }],
    synchronize: { configurationSection: 'modelyaml' },
    initializationOptions,
    outputChannel: output,
    middleware: { provideHover: hoverMiddleware(vscode) },
  };
  const client = new LanguageClient('modelyaml', 'ModelYAML Language Server', serverOptions, clientOptions);
  const sendTheme = () => {
    const kind = vscode.window.activeColorTheme.kind;
    if (client.isRunning()) void client.sendNotification(themeNotification, { color: formulaColor(kind), fontSize: fontSize(), highContrast: isHighContrast(kind) });
  };
  context.subscriptions.push(
    vscode.window.onDidChangeActiveColorTheme(sendTheme),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('editor.fontSize') && sendTheme()),
  );
  // Not awaited: activation returns at once and the server comes up in the background.
  const ready = client.start().catch((e) => output.appendLine(`language server failed to start: ${(e as Error).message}`));
  return { client, ready };
}

/** The architecture panel's graph source: the server's analysis of the open document (`modelyaml/graph`). */
export function serverGraph(client: LanguageClient, output: vscode.OutputChannel): (document: vscode.TextDocument) => Promise<ArchitectureView | null> {
  return async (document) => {
    const result: unknown = await client.sendRequest(graphRequest, { uri: document.uri.toString() });
    if (result === null || isGraphResult(result)) return result;
    output.appendLine(`modelyaml/graph: the server's answer for ${document.uri.toString()} is not a graph`);
    return null;
  };
}
