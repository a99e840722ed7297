/**
 * The panels' registration, so `activate()` stays one line: the commands, the webview serializers
 * (panels come back after a reload), and opening the curves when a training run starts.
 *
 * package.json (contributes) needs:
 *   commands: modelyaml.showCurves ("Show Training Curves", category "ModelYAML", icon $(graph-line)),
 *             modelyaml.showArchitecture ("Show Architecture", category "ModelYAML", icon $(type-hierarchy)),
 *             modelyaml.tryModel ("Try the Model…", category "ModelYAML", icon $(beaker))
 *             modelyaml.compareModel ("Compare Model with…", category "ModelYAML", icon $(diff))
 *   menus.editor/title: modelyaml.showArchitecture when `resourceLangId == modelyaml`, group navigation
 *             modelyaml.showEvaluation ("Show Evaluation…", category "ModelYAML", icon $(checklist))
 *             modelyaml.showSearch ("Show Search…", category "ModelYAML", icon $(beaker))
 *   activationEvents: onWebviewPanel:modelyaml.curves, onWebviewPanel:modelyaml.architecture, onWebviewPanel:modelyaml.evaluation, onWebviewPanel:modelyaml.try, onWebviewPanel:modelyaml.search, onWebviewPanel:modelyaml.diff
 */
import type * as vscode from 'vscode';
import { join } from 'node:path';
import { analyze } from '../../core/analyze';
import { architectureView, type ArchitectureView } from '../../core/graph';
import type { TrainerEvent } from '../../core/protocol/trainer';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { CurvesPanel } from './curvesPanel';
import { EvaluationPanel } from './evaluationPanel';
import { evaluatedRuns } from '../../node/evaluations';
import { runsOfSpec, specNameOf } from '../../node/runFolders';
import type { RunEndAction } from '../runEnd';
import { DiffPanel } from './diffPanel';
import { compareModelWith, COMPARE_COMMAND, diffSources } from './compare';
import { GraphPanel, isSpecDocument } from './graphPanel';
import { toPanelLog, type PanelLog, type VscodeApi } from './host';
import { TryPanel, type Sessions } from './tryPanel';
import { SessionPool } from '../../node/predictionSession';
import { WALKTHROUGH_KEYS } from '../walkthrough';
import { requireTrust } from '../trust';
import { registerRunsView, type RunsView } from '../runs/register';
import { SearchPanel, SHOW_SEARCH_COMMAND, showSearchCommand } from './searchPanel';

export { CurvesPanel } from './curvesPanel';
export { GraphPanel } from './graphPanel';
export { EvaluationPanel } from './evaluationPanel';
export { TryPanel } from './tryPanel';
export { DiffPanel } from './diffPanel';
export { panelHtml, contentSecurityPolicy } from './html';

export const PANEL_COMMANDS = { showCurves: 'modelyaml.showCurves', showArchitecture: 'modelyaml.showArchitecture', showEvaluation: 'modelyaml.showEvaluation', tryModel: 'modelyaml.tryModel' } as const;

export interface PanelDeps {
  /** The training manager: the curves panel opens on a run's `started` event and follows it live. */
  training?: { onEvent(listener: (specPath: string, event: TrainerEvent) => void): vscode.Disposable; runEndActions?: RunEndAction[] };
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
  evaluation: EvaluationPanel;
  tryModel: TryPanel;
  diff: DiffPanel;
  /** The Runs view, the runs table panel and their commands (src/extension/runs/). */
  runs: RunsView;
  search: SearchPanel;
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
    showEvaluation: (runDir) => api.commands.executeCommand(PANEL_COMMANDS.showEvaluation, { runDir }),
  });
  const runsRoots = deps.runsRoots ?? (() => defaultRunsRoots(api));
  const evaluation = new EvaluationPanel({ api, extensionUri: context.extensionUri, log, runsRoots, runsOfSpec: (specPath) => specRuns(api, runsRoots(), specPath) });
  const graph = new GraphPanel({ api, extensionUri: context.extensionUri, log, graph: deps.graph ?? (async (d) => architectureView(analyze(d.getText()))) });
  const pool = deps.sessions ? undefined : new SessionPool({}, (e) => e.type === 'log' && e.level !== 'debug' && log.info(`prediction session: ${e.message}`));
  const tryModel = new TryPanel({ api, extensionUri: context.extensionUri, log, runsRoots: deps.runsRoots ?? (() => defaultRunsRoots(api)), sessions: deps.sessions ?? pool! });
  const diff = new DiffPanel({ api, extensionUri: context.extensionUri, log, read: (sources) => diffSources(api, sources, log) });
  const runs = registerRunsView(context, { api, extensionUri: context.extensionUri, log, runsRoots, curves, training: deps.training });
  const search = new SearchPanel({ api, extensionUri: context.extensionUri, log, actions: runs.actions });
  const specUri = (uri?: unknown): vscode.Uri | undefined => {
    if (uri instanceof api.Uri) return uri;
    const doc = api.window.activeTextEditor?.document;
    return isSpecDocument(doc) ? doc.uri : undefined;
  };
  context.subscriptions.push(
    curves,
    graph,
    evaluation,
    api.commands.registerCommand(PANEL_COMMANDS.showEvaluation, (arg?: unknown) => showEvaluationCommand(api, evaluation, runsRoots, arg)),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.evaluation, {
      deserializeWebviewPanel: async (panel, state) => evaluation.restore(panel, state),
    }),
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
    diff,
    search,
    api.commands.registerCommand(SHOW_SEARCH_COMMAND, (arg?: unknown) => showSearchCommand(api, search, arg)),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.search, { deserializeWebviewPanel: async (panel, state) => search.restore(panel, state) }),
    api.commands.registerCommand(COMPARE_COMMAND, (uri?: unknown) => compareModelWith(api, uri, diff, log)),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.diff, { deserializeWebviewPanel: (panel, state) => diff.restore(panel, state) }),
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
  deps.training?.runEndActions?.push({
    title: SHOW_EVALUATION,
    offer: (r) => !!r.runDir && evaluatedRuns(runsRoots()).some((e) => e.runDir === r.runDir),
    run: (_spec, r) => evaluation.show({ runDir: r.runDir }),
  });
  return { curves, graph, evaluation, tryModel, diff, runs, search };
}

export const SHOW_EVALUATION = 'Show Evaluation';

/** The runs of a spec, by the curves panel's rule (run.json names the file, else the spec's name). */
export function specRuns(api: VscodeApi, roots: string[], specPath: string): { dir: string }[] {
  const workspace = api.workspace.getWorkspaceFolder?.(api.Uri.file(specPath))?.uri.fsPath;
  const text = api.workspace.textDocuments.find((d) => d.uri.fsPath === specPath)?.getText();
  return runsOfSpec(roots, specPath, workspace, text === undefined ? undefined : specNameOf(text));
}

/**
 * "ModelYAML: Show Evaluation…": a run folder (`{ runDir }`, from a lens or the curves panel) or a
 * spec (a Uri) opens its evaluation; from the palette, a pick of every evaluated run, newest first.
 */
export async function showEvaluationCommand(api: VscodeApi, panel: EvaluationPanel, runsRoots: () => string[], arg?: unknown): Promise<void> {
  if (arg && typeof arg === 'object' && typeof (arg as { runDir?: unknown }).runDir === 'string') return panel.show({ runDir: (arg as { runDir: string }).runDir });
  if (arg instanceof api.Uri) return panel.show({ specPath: arg.fsPath });
  const all = evaluatedRuns(runsRoots());
  if (!all.length) return panel.show({});
  const pick = await api.window.showQuickPick(
    all.map((e) => ({ label: e.label, description: e.split, detail: e.runDir, file: e.file })),
    { title: 'Show Evaluation', placeHolder: 'Which evaluated run to show', matchOnDetail: true },
  );
  if (pick) panel.show({ file: pick.file });
}
