/**
 * The extension host: thin. It starts the language server (a separate process), registers the
 * training task, the commands, the panels and the CodeLens, and disposes all of it on deactivate.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { SpecCodeLensProvider } from './codeLens';
import { serverGraph, startLanguageClient } from './languageClient';
import { join } from 'node:path';
import { EXPORT_MODEL, EXPORT_MODEL_COMMAND, exportModelCommand } from './exportModel';
import { EXPORT_PYTORCH_COMMAND, exportPytorchCommand } from './exportPytorch';
import { DOWNLOAD_HF_COMMAND, downloadHfModelCommand, FORGET_HF_TOKEN_COMMAND, forgetHfTokenCommand } from './hfDownload';
import { defaultRunsRoots, registerPanels } from './panels';
import { canServe } from '../node/predictionSession';
import { newFromTemplate } from './templates';
import { registerSearch } from './search';
import { registerTraining, type TrainingManager } from './training';
import { trackWalkthrough } from './walkthrough';

let client: LanguageClient | undefined;

/** What `activate` returns: for other extensions and for the integration tests, which wait on it. */
export interface ModelYamlApi {
  activationMs: number;
  /** Settles once the language server has answered `initialize` (or failed to start). */
  serverReady: Promise<void>;
  /** Every event of every training run, with the spec it belongs to. */
  onTrainerEvent: TrainingManager['onEvent'];
}

export function activate(context: vscode.ExtensionContext): ModelYamlApi {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('ModelYAML', { log: true });
  context.subscriptions.push(output);

  const started = startLanguageClient(context, output);
  client = started.client;
  const training = registerTraining(context, output);
  const panels = registerPanels(context, { training, output, graph: serverGraph(client, output) });
  training.runEndActions.push({
    title: 'Try the Model',
    offer: (r) => r.status === 'completed' && !!r.runDir && canServe(r.runDir),
    run: (_spec, r) => vscode.commands.executeCommand('modelyaml.tryModel', { runDir: r.runDir }),
  });
  const exportDeps = { api: vscode, cliPath: join(context.extensionUri.fsPath, 'dist', 'cli.js'), runsRoots: () => defaultRunsRoots(vscode) };
  context.subscriptions.push(vscode.commands.registerCommand(EXPORT_MODEL_COMMAND, (arg?: unknown) => exportModelCommand(exportDeps, arg)));
  context.subscriptions.push(vscode.commands.registerCommand(EXPORT_PYTORCH_COMMAND, (arg?: unknown) => exportPytorchCommand(exportDeps, arg)));
  training.runEndActions.push({
    title: EXPORT_MODEL,
    offer: (r) => r.status === 'completed' && !!r.runDir,
    run: (_spec, r) => vscode.commands.executeCommand(EXPORT_MODEL_COMMAND, { runDir: r.runDir }),
  });
  context.subscriptions.push(...registerSearch({ api: vscode, cliPath: exportDeps.cliPath, onStarted: (spec) => panels.search.follow(spec) }));
  context.subscriptions.push(trackWalkthrough(vscode));

  const commands: Record<string, (...args: never[]) => unknown> = {
    'modelyaml.newFromTemplate': () => newFromTemplate(context.extensionUri),
    'modelyaml.showOutput': () => output.show(),
    [DOWNLOAD_HF_COMMAND]: () => downloadHfModelCommand(vscode, context.secrets),
    [FORGET_HF_TOKEN_COMMAND]: () => forgetHfTokenCommand(vscode, context.secrets),
    'modelyaml.restartServer': async () => {
      await client?.restart();
      output.info('language server restarted');
    },
  };
  for (const [id, run] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, run));
  const lenses = new SpecCodeLensProvider((specPath) => panels.evaluation.resolve({ specPath }).file !== undefined);
  context.subscriptions.push(
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'modelyaml' }, lenses),
    training.onEvent((_spec, e) => {
      if (e.type === 'done') lenses.refresh();
    }),
  );

  const activationMs = performance.now() - t0;
  output.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, serverReady: started.ready, onTrainerEvent: (listener) => training.onEvent(listener) };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
