/**
 * The panels' registration, so `activate()` stays one line: the commands, the webview serializers
 * (panels come back after a reload), and opening the curves when a training run starts.
 *
 * package.json (contributes) needs:
 *   commands: modelyaml.showCurves ("Show Training Curves", category "ModelYAML", icon $(graph-line)),
 *             modelyaml.showArchitecture ("Show Architecture", category "ModelYAML", icon $(type-hierarchy)),
 *             modelyaml.tryModel ("Try the Model…", category "ModelYAML", icon $(beaker))
 *   menus.editor/title: modelyaml.showArchitecture when `resourceLangId == modelyaml`, group navigation
 *   activationEvents: onWebviewPanel:modelyaml.curves, onWebviewPanel:modelyaml.architecture, onWebviewPanel:modelyaml.try
 */
import type * as vscode from 'vscode';
import { join } from 'node:path';
import { analyze } from '../../core/analyze';
import { architectureView, type ArchitectureView } from '../../core/graph';
import type { TrainerEvent } from '../../core/protocol/trainer';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { CurvesPanel } from './curvesPanel';
import { GraphPanel, isSpecDocument } from './graphPanel';
import { toPanelLog, type PanelLog, type VscodeApi } from './host';
import { TryPanel, type Sessions } from './tryPanel';
import { SessionPool } from '../../node/predictionSession';
import { WALKTHROUGH_KEYS } from '../walkthrough';
import { requireTrust } from '../trust';

export { CurvesPanel } from './curvesPanel';
export { GraphPanel } from './graphPanel';
export { TryPanel } from './tryPanel';
export { panelHtml, contentSecurityPolicy } from './html';

export const PANEL_COMMANDS = { showCurves: 'modelyaml.showCurves', showArchitecture: 'modelyaml.showArchitecture', tryModel: 'modelyaml.tryModel' } as const;

export interface PanelDeps {
  /** The training manager: the curves panel opens on a run's `started` event and follows it live. */
  training?: { onEvent(listener: (specPath: string, event: TrainerEvent) => void): vscode.Disposable };
  /** Where the panels log (dropped messages, failures): a LogOutputChannel or an OutputChannel. */
  output?: Partial<PanelLog> & { appendLine?(s: string): void };
  /**
   * The architecture of a spec: the extension asks the language server (`modelyaml/graph`), which
   * has analysed the document already. Default, without a server: the core's `analyze(text)` here.
   */
  graph?: (document: vscode.TextDocument) => Promise<ArchitectureView | null>;
  /** Folders holding run folders (default: `<each workspace folder>/<modelyaml.runsFolder or .modelyaml/runs>`). */
  runsRoots?: () => string[];
  /** The prediction sessions of the "Try the model" panel (default: a SessionPool of trainer processes). */
  sessions?: Sessions;
  /** The vscode API (tests pass a stand-in). */
  vscode?: VscodeApi;
}

export interface Panels {
  curves: CurvesPanel;
  graph: GraphPanel;
  tryModel: TryPanel;
}

export function defaultRunsRoots(api: VscodeApi): string[] {
  const folder = api.workspace.getConfiguration('modelyaml').get<string>('runsFolder') || '.modelyaml/runs';
  return (api.workspace.workspaceFolders ?? []).map((f) => (/^([a-zA-Z]:)?[\\/]/.test(folder) ? folder : join(f.uri.fsPath, folder)));
}

export function registerPanels(context: vscode.ExtensionContext, deps: PanelDeps = {}): Panels {
  const api: VscodeApi = deps.vscode ?? (require('vscode') as VscodeApi);
  const log = toPanelLog(deps.output);
  const curves = new CurvesPanel({
    api,
    extensionUri: context.extensionUri,
    log,
    runsRoots: deps.runsRoots ?? (() => defaultRunsRoots(api)),
    resume: (runDir) => api.commands.executeCommand('modelyaml.resumeTraining', { runDir }),
  });
  const graph = new GraphPanel({ api, extensionUri: context.extensionUri, log, graph: deps.graph ?? (async (d) => architectureView(analyze(d.getText()))) });
  const pool = deps.sessions ? undefined : new SessionPool({}, (e) => e.type === 'log' && e.level !== 'debug' && log.info(`prediction session: ${e.message}`));
  const tryModel = new TryPanel({ api, extensionUri: context.extensionUri, log, runsRoots: deps.runsRoots ?? (() => defaultRunsRoots(api)), sessions: deps.sessions ?? pool! });
  const specUri = (uri?: unknown): vscode.Uri | undefined => {
    if (uri instanceof api.Uri) return uri;
    const doc = api.window.activeTextEditor?.document;
    return isSpecDocument(doc) ? doc.uri : undefined;
  };
  context.subscriptions.push(
    curves,
    graph,
    tryModel,
    { dispose: () => pool?.dispose() },
    // From the CodeLens (a spec's Uri: its newest run), the runs list ({ runDir }), or the palette (pick a run).
    api.commands.registerCommand(PANEL_COMMANDS.tryModel, (arg?: unknown) => {
      // The session's trainer may load the workspace's tfjs-node, as training does.
      if (!requireTrust(api, 'Trying the model')) return;
      if (arg instanceof api.Uri) return tryModel.show({ specPath: arg.fsPath });
      const runDir = (arg as { runDir?: unknown } | undefined)?.runDir;
      return tryModel.show(typeof runDir === 'string' ? { runDir } : undefined);
    }),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.try, {
      deserializeWebviewPanel: async (panel, state) => (api.workspace.isTrusted ? tryModel.restore(panel, state) : panel.dispose()),
    }),
    api.commands.registerCommand(PANEL_COMMANDS.showCurves, (uri?: unknown) => {
      const spec = specUri(uri);
      curves.show(spec ? { specPath: spec.fsPath } : {});
    }),
    api.commands.registerCommand(PANEL_COMMANDS.showArchitecture, (uri?: unknown) => {
      graph.show(specUri(uri));
      // The walkthrough's "architecture" step ticks on this key, however the command was run.
      void api.commands.executeCommand('setContext', WALKTHROUGH_KEYS.sawArchitecture, true);
    }),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.curves, {
      deserializeWebviewPanel: async (panel, state) => curves.restore(panel, state),
    }),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.graph, {
      deserializeWebviewPanel: (panel, state) => graph.restore(panel, state),
    }),
  );
  if (deps.training) context.subscriptions.push(deps.training.onEvent((spec, e) => curves.onTrainerEvent(spec, e)));
  return { curves, graph, tryModel };
}
