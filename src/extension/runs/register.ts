/**
 * Wires the runs view, the runs table panel and their commands: a tree in the ModelYAML container,
 * kept live by a file-system watcher on run.json / metrics.jsonl and by the training manager's
 * events; context-menu commands that take a tree node, a `{ runDir }`, or several selected nodes.
 */
import type * as vscode from 'vscode';
import { dirname } from 'node:path';
import { VIEW_TYPES } from '../../core/protocol/webview';
import { runGroupKey } from '../../core/runs/table';
import { isInside } from '../../node/runFolders';
import type { CurvesPanel } from '../panels/curvesPanel';
import type { PanelLog, VscodeApi } from '../panels/host';
import { RunsTablePanel } from '../panels/runsTablePanel';
import { RUN_COMMANDS, RunActions } from './actions';
import { RUNS_VIEW_ID, RunsTreeProvider, type RunsNode } from './view';

export interface RunsViewDeps {
  api: VscodeApi;
  extensionUri: vscode.Uri;
  log: PanelLog;
  runsRoots: () => string[];
  curves: CurvesPanel;
  training?: { onEvent(listener: (specPath: string, event: { type: string }) => void): vscode.Disposable };
  alive?: (pid: number) => boolean;
  /** How long file changes gather before one refresh, in ms. */
  debounceMs?: number;
}

export interface RunsView {
  tree: RunsTreeProvider;
  table: RunsTablePanel;
  actions: RunActions;
  /** Re-reads the runs soon (changes close together make one refresh). */
  refreshSoon(): void;
}

/** The run folders a command was given: tree nodes (one, or the selection), `{ runDir }`, or a path. */
export function runDirsOf(arg: unknown, selection?: unknown): string[] {
  const one = (a: unknown): string[] => {
    if (typeof a === 'string') return [a];
    if (!a || typeof a !== 'object') return [];
    const n = a as Partial<RunsNode> & { runDir?: unknown };
    if (typeof n.runDir === 'string') return [n.runDir];
    if (n.kind === 'run') return [n.run!.id];
    return [];
  };
  const many = Array.isArray(selection) && selection.length > 1 ? selection.flatMap(one) : one(arg);
  return [...new Set(many)];
}

export function registerRunsView(context: { subscriptions: vscode.Disposable[] }, d: RunsViewDeps): RunsView {
  const { api } = d;
  const tree = new RunsTreeProvider({ api, runsRoots: d.runsRoots, alive: d.alive });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refreshNow = () => {
    timer = undefined;
    tree.refresh();
    table.refresh();
  };
  const refreshSoon = () => {
    if (!timer) timer = setTimeout(refreshNow, d.debounceMs ?? 300);
  };
  const actions = new RunActions({ api, log: d.log, runsRoots: d.runsRoots, showCurves: (dirs) => d.curves.compareRuns(dirs), changed: refreshNow });
  const table = new RunsTablePanel({ api, extensionUri: d.extensionUri, log: d.log, runsRoots: d.runsRoots, actions, alive: d.alive });
  const watcher = api.workspace.createFileSystemWatcher('**/{run.json,metrics.jsonl}');
  const onFile = (uri: vscode.Uri) => {
    if (isInside(dirname(uri.fsPath), d.runsRoots())) refreshSoon();
  };
  const first = (arg: unknown, selection?: unknown) => runDirsOf(arg, selection)[0];
  const labelsOf = (arg: unknown, selection?: unknown) => {
    const nodes = (Array.isArray(selection) && selection.length > 1 ? selection : [arg]) as Partial<RunsNode>[];
    return nodes.flatMap((n) => (n?.kind === 'run' ? [n.run!.label] : []));
  };
  const groupOf = (arg: unknown): string | undefined => {
    const n = arg as Partial<RunsNode> | undefined;
    if (n?.kind === 'search') return n.group!.key;
    if (n?.kind === 'spec') return `spec:${n.spec}`;
    if (n?.kind === 'run') return runGroupKey(n.run!);
    return undefined;
  };
  context.subscriptions.push(
    tree,
    table,
    watcher,
    watcher.onDidCreate(onFile),
    watcher.onDidChange(onFile),
    watcher.onDidDelete(onFile),
    api.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true }),
    api.commands.registerCommand(RUN_COMMANDS.refresh, refreshNow),
    api.commands.registerCommand(RUN_COMMANDS.openTable, (arg?: unknown) => table.show(groupOf(arg))),
    api.commands.registerCommand(RUN_COMMANDS.openCurves, (arg?: unknown, sel?: unknown) => actions.curves(runDirsOf(arg, sel))),
    api.commands.registerCommand(RUN_COMMANDS.openEvaluation, (arg?: unknown, sel?: unknown) => first(arg, sel) && actions.evaluation(first(arg, sel))),
    api.commands.registerCommand(RUN_COMMANDS.openSpec, (arg?: unknown, sel?: unknown) => first(arg, sel) && actions.spec(first(arg, sel))),
    api.commands.registerCommand(RUN_COMMANDS.resume, (arg?: unknown, sel?: unknown) => first(arg, sel) && actions.resume(first(arg, sel))),
    api.commands.registerCommand(RUN_COMMANDS.export, (arg?: unknown, sel?: unknown) => first(arg, sel) && actions.export(first(arg, sel))),
    api.commands.registerCommand(RUN_COMMANDS.delete, (arg?: unknown, sel?: unknown) => actions.delete(runDirsOf(arg, sel), labelsOf(arg, sel))),
    api.window.registerWebviewPanelSerializer(VIEW_TYPES.runs, { deserializeWebviewPanel: async (panel, state) => table.restore(panel, state) }),
    { dispose: () => timer && clearTimeout(timer) },
  );
  // A run trained from VS Code: each epoch and its end change what the view shows.
  if (d.training) context.subscriptions.push(d.training.onEvent((_spec, e) => ['started', 'epoch', 'done', 'error'].includes(e.type) && refreshSoon()));
  return { tree, table, actions, refreshSoon };
}
